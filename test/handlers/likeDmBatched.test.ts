/**
 * LIKE_DM=batched (the default): at most one like DM per submission per LIKE_DM_MINUTES, carrying the latest
 * total, none when the total is back where the last DM left it, and exactly once through crashes and redeliveries.
 * createServices over the file store and the Web API Slack adapter against the loopback fake, the clock in hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Doc, Store } from '../../functions/adapters/store/store.js';
import type { SubmissionDoc, WeekDoc } from '../../functions/app/documents.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { reaction, reply } from '../support/slackPayloads.js';
import { BOT_TOKEN, CHANNEL, capturedLog, type Harness, harness, tsAt, webApiSlack } from './helpers.js';

const MONTH_PK = `${CHANNEL}:2026-11`;
const WINDOW_MS = 15 * 60_000;

let fake: FakeSlack;
let h: Harness;
let clockMs: number;
let threadTs: string;

class Crash extends Error {}

/** A store whose writes throw, as if the process died there, while `crashWhen` says so. */
function crashingStore(inner: Store, crashWhen: (doc: Doc) => boolean): Store {
  const crashIf = (doc: Doc) => {
    if (crashWhen(doc)) throw new Crash(`simulated crash before recording ${doc.id}`);
  };
  return {
    read: (pk, id) => inner.read(pk, id),
    query: (q) => inner.query(q),
    close: () => inner.close(),
    async create(doc) {
      crashIf(doc);
      return inner.create(doc);
    },
    async replace(doc, etag) {
      crashIf(doc);
      return inner.replace(doc, etag);
    },
  };
}

let crashArmed: ((doc: Doc) => boolean) | undefined;

async function setUp(env: Record<string, string> = {}) {
  clockMs = Date.parse('2026-11-24T12:00:00+09:00');
  crashArmed = undefined;
  fake = await startFakeSlack({ token: BOT_TOKEN, now: () => clockMs });
  h = await harness({
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, ...env },
    slack: webApiSlack(fake, capturedLog()),
    now: () => clockMs,
    wrapStore: (store) => crashingStore(store, (doc) => crashArmed?.(doc) ?? false),
  });
  await h.services.jobs.runDue(Date.parse('2026-11-23T09:05:00+09:00'));
  threadTs = (await h.store.read<WeekDoc>(MONTH_PK, 'week:2026-11-W4'))!.doc.threadTs!;
  await deliver(
    reply({ user: 'U0AAA', ts: REPLY, threadTs, text: '오늘의 TIL <https://velog.io/@aaa/til>' }),
  );
  fake.calls.length = 0;
}

afterEach(async () => {
  await h.dispose();
  await fake.close();
});

const REPLY = tsAt('2026-11-24T10:00:00+09:00', 1);
let likeSeq = 0;

function deliver(envelope: { event_id: string; event: Record<string, unknown> }, deliveryCount = 1) {
  return h.services.processEvent.process(
    { eventId: envelope.event_id, eventTime: 1795000000, event: envelope.event },
    { messageId: envelope.event_id, deliveryCount },
  );
}

const like = (user: string, added = true) =>
  reaction({
    user,
    itemTs: REPLY,
    itemUser: 'U0AAA',
    added,
    eventTs: tsAt('2026-11-24T11:00:00+09:00', ++likeSeq),
  });

const dms = () =>
  fake.calls
    .filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === 'DU0AAA')
    .map((c) => String(c.args.text));
const submission = async () => (await h.store.read<SubmissionDoc>(MONTH_PK, `submission:${REPLY}`))!.doc;
/** The scheduled tick's outbox sweep, at the clock's instant. */
const tick = () => h.services.jobs.runDue(clockMs);

describe('LIKE_DM=batched (the default)', () => {
  it('500 👍: one DM at the first, then one after the window with the latest total, and no more', async () => {
    await setUp();
    for (let i = 0; i < 500; i++) {
      await deliver(like(`U0L${String(i).padStart(4, '0')}`));
      clockMs += 1000;
      // One pending like DM at most: the document does not grow with its 👍.
      expect((await submission()).outbox.length).toBeLessThanOrEqual(1);
    }
    expect(dms()).toHaveLength(1);
    expect(dms()[0]).toContain('합계 1개');
    // 500 s in: the window (15 min from the first DM) has not passed, the sweep leaves it.
    await tick();
    expect(dms()).toHaveLength(1);

    clockMs = Date.parse('2026-11-24T12:00:00+09:00') + WINDOW_MS;
    await tick();
    expect(dms()).toHaveLength(2);
    expect(dms()[1]).toContain('합계 500개');
    expect((await submission()).outbox).toEqual([]);
    clockMs += 2 * WINDOW_MS;
    await tick();
    expect(dms()).toHaveLength(2);
  });

  it('a 👍 after the window has passed is DMed at once', async () => {
    await setUp();
    await deliver(like('U0BBB'));
    clockMs += WINDOW_MS;
    await deliver(like('U0CCC'));
    expect(dms().map((t) => t.match(/합계 \d+개/)?.[0])).toEqual(['합계 1개', '합계 2개']);
  });

  it('sends nothing when the total is back where the last DM left it', async () => {
    await setUp();
    await deliver(like('U0BBB'));
    expect(dms()).toHaveLength(1);
    await deliver(like('U0CCC'));
    await deliver(like('U0CCC', false));
    clockMs += WINDOW_MS;
    await tick();
    expect(dms()).toHaveLength(1);
    expect((await submission()).outbox).toEqual([]);
  });

  it('LIKE_DM_MINUTES sets the window', async () => {
    await setUp({ LIKE_DM_MINUTES: '60' });
    await deliver(like('U0BBB'));
    await deliver(like('U0CCC'));
    clockMs += WINDOW_MS;
    await tick();
    expect(dms()).toHaveLength(1);
    clockMs += 45 * 60_000;
    await tick();
    expect(dms()).toHaveLength(2);
  });

  it('a redelivered 👍 sends nothing new, inside the window or after it', async () => {
    await setUp();
    const first = like('U0BBB');
    await deliver(first);
    await deliver(first, 2);
    clockMs += WINDOW_MS;
    await deliver(first, 3);
    await tick();
    expect(dms()).toHaveLength(1);
  });

  it('is found, not repeated, when the write recording the send failed', async () => {
    await setUp();
    const first = like('U0BBB');
    // The DM reaches Slack; the write that records it as sent fails, so the effect stays, backed off.
    crashArmed = (doc) => (doc as SubmissionDoc).likeDmSent !== undefined;
    await deliver(first);
    expect(dms()).toHaveLength(1);
    expect((await submission()).outbox).toMatchObject([
      { kind: 'like_dm', sendStarted: true, failedAttempts: 1 },
    ]);

    crashArmed = undefined;
    clockMs += 30_000;
    await deliver(first, 2);
    expect(dms()).toHaveLength(1);
    expect(fake.calls.some((c) => c.method === 'conversations.history' && c.args.channel === 'DU0AAA')).toBe(
      true,
    );
    const after = await submission();
    expect(after.outbox).toEqual([]);
    expect(after.likeDmSent).toEqual({ at: new Date(clockMs).toISOString(), likes: 1 });
    // The next 👍 waits for the window, then one DM carries the total.
    await deliver(like('U0CCC'));
    clockMs += WINDOW_MS;
    await tick();
    await tick();
    expect(dms()).toHaveLength(2);
    expect(dms()[1]).toContain('합계 2개');
  });

  it('a held DM that Slack refuses is retried with backoff and sent once', async () => {
    await setUp();
    await deliver(like('U0BBB'));
    await deliver(like('U0CCC'));
    clockMs += WINDOW_MS;
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await tick();
    expect((await submission()).outbox).toMatchObject([{ kind: 'like_dm', failedAttempts: 1 }]);
    // A 👍 meanwhile replaces it (the latest total) and keeps its failed attempts and backoff.
    await deliver(like('U0DDD'));
    expect((await submission()).outbox).toMatchObject([{ kind: 'like_dm', failedAttempts: 1 }]);
    clockMs += 30_000;
    await tick();
    await tick();
    expect(dms()).toHaveLength(2);
    expect(dms()[1]).toContain('합계 3개');
  });

  it('LIKE_DM=each still DMs every change', async () => {
    await setUp({ LIKE_DM: 'each' });
    await deliver(like('U0BBB'));
    await deliver(like('U0CCC'));
    await deliver(like('U0CCC', false));
    expect(dms()).toHaveLength(3);
  });
});
