/**
 * What a re-sync costs in Slack calls (counted on the fake), for one open week of 30 replies with 👍: Slack's
 * default page (the adapter asks for 200), the 15-message pages Slack imposes on some apps since 2025, and reactor
 * lists cut short (one reactions.get per such reply). Printed for the notes; asserted, since each is exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeSlackOptions } from '../support/fakeSlack.js';
import { type ResyncRig, startResyncRig } from './resyncRig.js';

const HOUR = 60 * 60_000;
let rig: ResyncRig;
afterEach(async () => {
  await rig?.dispose();
});

/** 30 replies, the i-th with i % 4 👍, all delivered: the store is in line, only the read is measured. */
async function measure(fake: FakeSlackOptions) {
  // LIKE_DM=each: every like DM is sent as its 👍 is applied, so the tick's calls are the re-sync's alone (with the
  // default, batched, the tick's sweep would also send the like DMs held back in their window).
  rig = await startResyncRig({ fake, env: { LIKE_DM: 'each' } });
  rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
  for (let i = 0; i < 30; i++) {
    const ts = await rig.member.reply(`U0M${i}`, `TIL <https://velog.io/@m${i}/til>`);
    for (let f = 0; f < i % 4; f++) await rig.member.like(`U0FAN${f}`, ts, `U0M${i}`);
  }
  await rig.idle();
  const before = rig.fake.calls.length;
  const tick = await rig.tickAfter(HOUR);
  const calls = rig.fake.calls.slice(before);
  const byMethod = Object.fromEntries(
    ['conversations.replies', 'reactions.get'].map((m) => [m, calls.filter((c) => c.method === m).length]),
  );
  return { tick, byMethod, total: calls.length };
}

describe('re-sync cost per open week of 30 replies', () => {
  it.each<[string, FakeSlackOptions, number, number]>([
    ["Slack's pages (limit 200)", {}, 1, 0],
    ['15-message pages (non-Marketplace apps since 2025)', { repliesPageSize: 15 }, 3, 0],
    ['reactor lists cut to 2 users', { reactionUsersShown: 2 }, 1, 7],
  ])('%s', async (name, fake, pages, fullReactionReads) => {
    const { tick, byMethod, total } = await measure(fake);
    console.log(`re-sync cost, ${name}: ${JSON.stringify(byMethod)}, ${total} Slack calls in all`);
    expect(tick.resync).toEqual([
      { week: '2026-11-W4', outcome: 'read', slackCalls: pages + fullReactionReads, events: 0 },
    ]);
    expect(byMethod).toEqual({ 'conversations.replies': pages, 'reactions.get': fullReactionReads });
    // Nothing else: a store in line costs the read and nothing more.
    expect(total).toBe(pages + fullReactionReads);
  });
});
