/**
 * Re-sync from Slack (SPEC 9) through the real pipeline: members act in Slack (the fake keeps the threads' state),
 * some of Slack's events never reach the app, and a re-sync reads the thread back and repairs the store through
 * the queue and the consumer, once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResyncDoc } from '../../functions/app/documents.js';
import { ADMINS, CHANNEL, MONTH_PK, type ResyncRig, startResyncRig } from './resyncRig.js';

const HOUR = 60 * 60_000;
const LINK = (user: string) => `오늘의 TIL <https://velog.io/@${user}/til>`;

let rig: ResyncRig;
afterEach(async () => {
  await rig?.dispose();
});

const memberOf = async (userId: string) => (await rig.stats()).members.find((m) => m.userId === userId);
const broadcastsOf = (user: string) => rig.posts().filter((text) => text.startsWith(`<@${user}>님이`));
const reportsTo = (admin: string) => rig.dmsTo(admin).filter((text) => text.startsWith('🔄'));

describe('re-sync repairs what Slack never delivered', () => {
  it('a burst with dropped replies, edits, deletes and 👍 is repaired once; a second re-sync changes nothing', async () => {
    rig = await startResyncRig();
    const { member } = rig;
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const alice = await member.reply('U0ALICE', LINK('alice'));
    const bob = await member.reply('U0BOB', LINK('bob'));
    const carol = await member.reply('U0CAROL', LINK('carol'), { dropped: true });
    const dave = await member.reply('U0DAVE', '정리 중');
    const erin = await member.reply('U0ERIN', LINK('erin'));
    rig.clock.ms += 60_000;
    await member.edit('U0BOB', bob, '링크는 나중에', { dropped: true });
    await member.edit('U0DAVE', dave, LINK('dave'), { dropped: true });
    await member.delete(erin, { dropped: true });
    await member.like('U0FRED', alice, 'U0ALICE');
    await member.like('U0GINA', alice, 'U0ALICE', { dropped: true });
    await member.like('U0HANK', carol, 'U0CAROL', { dropped: true });
    await member.like('U0IVAN', alice, 'U0ALICE');
    rig.clock.ms += 60_000;
    await member.like('U0IVAN', alice, 'U0ALICE', { added: false, dropped: true });
    await rig.idle();
    // What the app saw: Alice, Bob and Erin took part, Alice has two 👍 (Fred, Ivan).
    expect((await rig.stats()).weeks[0]).toMatchObject({ participants: 3, likes: 2 });

    // The hourly re-sync reads the thread back: one call for the whole thread.
    const callsBefore = rig.fake.calls.length;
    const tick = await rig.tickAfter(HOUR);
    expect(tick.resync).toEqual([{ week: '2026-11-W4', outcome: 'read', slackCalls: 1, events: 7 }]);
    expect(
      rig.fake.calls.slice(callsBefore).filter((c) => c.method === 'conversations.replies'),
    ).toHaveLength(1);
    await rig.idle();

    const repaired = await rig.stats();
    expect(repaired.weeks[0]).toMatchObject({ participants: 3, likes: 3 });
    expect(await memberOf('U0ALICE')).toMatchObject({ weeks: ['2026-11-W4'], likes: 2 }); // Fred, Gina
    expect(await memberOf('U0CAROL')).toMatchObject({ weeks: ['2026-11-W4'], likes: 1 }); // Hank
    expect(await memberOf('U0DAVE')).toMatchObject({ weeks: ['2026-11-W4'] });
    // Bob's link was edited away, Erin's reply deleted: neither counts any more.
    expect((await memberOf('U0BOB'))?.weeks ?? []).toEqual([]);
    expect((await memberOf('U0ERIN'))?.weeks ?? []).toEqual([]);
    // Carol and Dave are announced, once; nobody twice.
    for (const user of ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE', 'U0ERIN']) {
      expect(broadcastsOf(user), user).toHaveLength(1);
    }
    // One report per admin, in one message.
    for (const admin of ADMINS) {
      expect(reportsTo(admin)).toEqual([
        '🔄 [TIL 봇] Slack 스레드를 다시 읽어, 전달되지 않은 이벤트를 바로잡았습니다:\n' +
          '• TIL 11월 4주차: 답글 1개, 수정 2건, 삭제 1건, 👍 추가 2개, 👍 취소 1개',
      ]);
    }
    expect(
      rig.log.lines.some((l) => l.startsWith('warn re-sync 2026-11-W4') && l.includes('"replies":1')),
    ).toBe(true);

    // A second re-sync of the same Slack state: nothing enqueued, nothing sent, the stats as they were.
    const sentBefore = rig.resyncSent().length;
    const postsBefore = rig.callsOf('chat.postMessage').length;
    const second = await rig.tickAfter(HOUR);
    expect(second.resync).toEqual([{ week: '2026-11-W4', outcome: 'read', slackCalls: 1, events: 0 }]);
    expect(await rig.services.resync.resyncNow()).toBe(
      '🔄 Slack에서 다시 읽었습니다:\n• TIL 11월 4주차: 바로잡을 것 없음',
    );
    await rig.idle();
    expect(rig.resyncSent()).toHaveLength(sentBefore);
    expect(rig.callsOf('chat.postMessage')).toHaveLength(postsBefore);
    expect(await rig.stats()).toEqual(repaired);
  });

  it('the same snapshot read twice before its repairs are applied enqueues the same ids (the queue keeps one), reported once', async () => {
    rig = await startResyncRig();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    await rig.member.reply('U0CAROL', LINK('carol'), { dropped: true });
    await rig.queue.stop(); // the consumer stops: the repairs wait in the queue
    const first = await rig.services.resync.resyncNow();
    const second = await rig.services.resync.resyncNow();
    expect(first).toBe(second);
    const ids = rig.resyncSent().map((m) => m.messageId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(rig.queue.pendingCount()).toBe(1);
    for (const admin of ADMINS) expect(reportsTo(admin)).toHaveLength(1);
  });
});

describe('a snapshot never undoes a newer real event', () => {
  it('a 👍 removed in Slack after the snapshot stays removed, whichever is processed first', async () => {
    rig = await startResyncRig();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const alice = await rig.member.reply('U0ALICE', LINK('alice'));
    const bob = await rig.member.reply('U0BOB', LINK('bob'));
    await rig.member.like('U0GINA', alice, 'U0ALICE', { dropped: true });
    await rig.member.like('U0GINA', bob, 'U0BOB', { dropped: true });
    await rig.idle();
    rig.clock.ms += HOUR;
    const readAt = rig.clock.ms;
    const secondAfter = `${Math.floor(readAt / 1000) + 1}.000000`;

    // Bob's: the real removal (a second after the read) is processed before the read's repairs are computed.
    await rig.member.like('U0GINA', bob, 'U0BOB', { added: false, eventTs: secondAfter, inSlack: false });
    await rig.idle();
    // Alice's: the read's repair (her 👍 is there) is processed first, the removal after it.
    await rig.services.resync.resyncNow();
    rig.fake.unreact(CHANNEL, bob, 'U0GINA');
    await rig.idle();
    await rig.member.like('U0GINA', alice, 'U0ALICE', { added: false, eventTs: secondAfter });
    await rig.idle();

    expect(rig.resyncSent().map((m) => m.messageId)).toEqual([`resync:${alice}:+1:U0GINA:on:none`]);
    expect((await rig.stats()).weeks[0]).toMatchObject({ participants: 2, likes: 0 });
    // And the next re-sync agrees.
    await rig.tickAfter(HOUR);
    await rig.idle();
    expect((await rig.stats()).weeks[0]).toMatchObject({ likes: 0 });
  });

  it('a 👍 added after the snapshot is kept', async () => {
    rig = await startResyncRig();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const alice = await rig.member.reply('U0ALICE', LINK('alice'));
    rig.clock.ms += HOUR;
    const readAt = rig.clock.ms;
    // Slack dates the 👍 after the read started, and its event arrives before the read's page: the page lacks it.
    await rig.member.like('U0HANK', alice, 'U0ALICE', {
      eventTs: `${Math.floor(readAt / 1000) + 2}.000000`,
      inSlack: false,
    });
    await rig.idle();
    await rig.services.resync.resyncNow();
    await rig.idle();
    expect(rig.resyncSent()).toEqual([]);
    expect(await memberOf('U0ALICE')).toMatchObject({ likes: 1 });
  });
});

describe('re-sync within Slack limits', () => {
  it('an outage backs off (no read before the backoff ends) and the re-sync finishes later', async () => {
    rig = await startResyncRig();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    await rig.member.reply('U0CAROL', LINK('carol'), { dropped: true });
    const endOutage = rig.fake.failAll({ status: 503 }, { methods: ['conversations.replies'] });
    const failed = await rig.tickAfter(HOUR);
    expect(failed.resync).toEqual([{ week: '2026-11-W4', outcome: 'failed', slackCalls: 0, events: 0 }]);
    const state = (await rig.store.read<ResyncDoc>(MONTH_PK, 'resync:2026-11-W4'))!.doc;
    expect(state).toMatchObject({ failures: 1, lastError: expect.stringContaining('http_503') });
    expect(Date.parse(state.nextAttemptAt!) - rig.clock.ms).toBe(60_000);
    expect(state.leaseUntil).toBeUndefined();
    endOutage();

    const reads = () => rig.callsOf('conversations.replies').length;
    const readsBefore = reads();
    expect((await rig.tickAfter(45_000)).resync).toBeUndefined();
    expect(reads()).toBe(readsBefore);
    const healed = await rig.tickAfter(30_000);
    expect(healed.resync).toEqual([{ week: '2026-11-W4', outcome: 'read', slackCalls: 1, events: 1 }]);
    await rig.idle();
    expect(await memberOf('U0CAROL')).toMatchObject({ weeks: ['2026-11-W4'] });
    expect(broadcastsOf('U0CAROL')).toHaveLength(1);
    expect((await rig.store.read<ResyncDoc>(MONTH_PK, 'resync:2026-11-W4'))!.doc).toMatchObject({
      failures: 0,
    });
  });

  it("honours a 429's Retry-After within the call", async () => {
    rig = await startResyncRig();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    await rig.member.reply('U0CAROL', LINK('carol'), { dropped: true });
    rig.fake.failNext('conversations.replies', { status: 429, retryAfterSec: 1 });
    const readsBefore = rig.callsOf('conversations.replies').length;
    const tick = await rig.tickAfter(HOUR);
    expect(tick.resync).toEqual([{ week: '2026-11-W4', outcome: 'read', slackCalls: 1, events: 1 }]);
    expect(
      rig
        .callsOf('conversations.replies')
        .slice(readsBefore)
        .map((c) => c.ok),
    ).toEqual([false, true]);
  });

  it('reads every page, and asks reactions.get for a reactor list Slack cut short', async () => {
    rig = await startResyncRig({ fake: { repliesPageSize: 5, reactionUsersShown: 2 } });
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    const replies: string[] = [];
    for (let i = 0; i < 12; i++)
      replies.push(await rig.member.reply(`U0M${i}`, LINK(`m${i}`), { dropped: i >= 10 }));
    for (const fan of ['U0FAN1', 'U0FAN2', 'U0FAN3', 'U0FAN4']) {
      await rig.member.like(fan, replies[11]!, 'U0M11', { dropped: true });
    }
    await rig.idle();
    const readsBefore = rig.callsOf('conversations.replies').length;
    const tick = await rig.tickAfter(HOUR);
    // 13 messages (the post and 12 replies) in pages of 5, and one reactions.get.
    expect(tick.resync).toEqual([{ week: '2026-11-W4', outcome: 'read', slackCalls: 4, events: 6 }]);
    expect(rig.callsOf('conversations.replies')).toHaveLength(readsBefore + 3);
    expect(rig.callsOf('reactions.get').map((c) => c.args)).toMatchObject([
      { timestamp: replies[11], full: 'true' },
    ]);
    await rig.idle();
    expect((await rig.stats()).weeks[0]).toMatchObject({ participants: 12, likes: 4 });
  });
});

describe('the award re-syncs first', () => {
  it('waits while the repairs its re-sync of the month enqueued are still to be applied', async () => {
    rig = await startResyncRig();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    await rig.member.reply('U0CAROL', LINK('carol'), { dropped: true });
    await rig.queue.stop(); // the consumer is down when the award's tick comes
    rig.clock.ms = Date.parse('2026-12-07T09:00:00+09:00');
    const waiting = await rig.services.jobs.runDue(rig.clock.ms);
    expect(waiting).toMatchObject({ weeklyPost: 'posted', monthlyAward: 'waiting-for-resync' });
    expect(rig.posts().filter((t) => t.startsWith('*11월 TIL 챌린지 결과*'))).toEqual([]);
    expect(rig.resyncSent().map((m) => m.sessionId)).toEqual(['2026-11']);
    const repliesRead = rig.fake.calls.findIndex((c) => c.method === 'conversations.replies');
    expect(repliesRead).toBeGreaterThanOrEqual(0);
  });

  it('posts once the store is in line, naming a challenger Slack never told it about', async () => {
    rig = await startResyncRig();
    rig.clock.ms = Date.parse('2026-11-24T21:00:00+09:00');
    await rig.member.reply('U0CAROL', LINK('carol'), { dropped: true });
    rig.clock.ms = Date.parse('2026-12-07T09:00:00+09:00');
    expect((await rig.services.jobs.runDue(rig.clock.ms)).monthlyAward).toBe('waiting-for-resync');
    await rig.idle();
    rig.clock.ms += 5 * 60_000;
    expect((await rig.services.jobs.runDue(rig.clock.ms)).monthlyAward).toBe('posted');
    const [award] = rig.posts().filter((t) => t.startsWith('*11월 TIL 챌린지 결과*'));
    expect(award).toContain('<@U0CAROL>');
    // The award's post came after its re-sync's read.
    const read = rig.fake.calls.findLastIndex((c) => c.method === 'conversations.replies');
    const posted = rig.fake.calls.findIndex((c) => String(c.args.text).startsWith('*11월 TIL 챌린지 결과*'));
    expect(read).toBeLessThan(posted);
  });
});
