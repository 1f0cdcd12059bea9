import azureFunctions from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../functions/adapters/queue/queue.js';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Doc, Store } from '../../functions/adapters/store/store.js';
import { consoleLogger } from '../../functions/app/logger.js';
import { loadConfig } from '../../functions/config.js';
import { createServices, type Services } from '../../functions/services.js';
import { responseJson } from '../handlers/helpers.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { CHANNEL } from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

/**
 * A crash after Slack accepted a post but before the store recorded it: the next attempt must find the post
 * (by its message metadata) instead of posting it again.
 */
class Crash extends Error {}
const { HttpRequest } = azureFunctions;

/** A store whose next `times` writes of a matching document throw, as if the process died at that moment. */
function crashingStore(inner: Store) {
  let armed: ((doc: Doc, operation: 'create' | 'replace') => boolean) | undefined;
  let remaining = 0;
  const crashIfArmed = (doc: Doc, operation: 'create' | 'replace') => {
    if (remaining > 0 && armed?.(doc, operation)) {
      remaining -= 1;
      throw new Crash(`simulated crash before recording ${doc.id}`);
    }
  };
  const store: Store = {
    read: (pk, id) => inner.read(pk, id),
    query: (q) => inner.query(q),
    close: () => inner.close(),
    async create(doc) {
      crashIfArmed(doc, 'create');
      return inner.create(doc);
    },
    async replace(doc, etag) {
      crashIfArmed(doc, 'replace');
      return inner.replace(doc, etag);
    },
  };
  return {
    store,
    crashOnNextWrite(match: (doc: Doc, operation: 'create' | 'replace') => boolean, times = 1) {
      armed = match;
      remaining = times;
    },
  };
}

describe('crash between a Slack post and recording it', () => {
  let slack: FakeSlack;
  let dir: TempDir;
  let services: Services;
  let crash: ReturnType<typeof crashingStore>;
  let clock = Date.parse('2026-11-23T09:00:00+09:00');
  /** What the jobs enqueued, delivered by hand as the queue would. */
  let enqueued: OutgoingMessage[] = [];

  beforeEach(async () => {
    clock = Date.parse('2026-11-23T09:00:00+09:00');
    enqueued = [];
    slack = await startFakeSlack({ now: () => clock });
    dir = await makeTempDir('til-crash');
    crash = crashingStore(await openFileStore(dir.path));
    const config = loadConfig({
      TIL_CHANNEL_ID: CHANNEL,
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.url,
      // A like DM per 👍, each looked up after a crash (batched DMs: test/handlers/likeDmBatched.test.ts).
      LIKE_DM: 'each',
    });
    const log = consoleLogger('error');
    services = createServices(config, {
      store: crash.store,
      queue: { send: async (message) => void enqueued.push(message), close: async () => {} },
      slack: createWebApiSlack({ token: 'xoxb-test', apiUrl: slack.url, logger: log }),
      log,
      now: () => clock,
    });
  });

  afterEach(async () => {
    await slack.close();
    await dir.remove();
  });

  const posts = (prefix: string) =>
    slack.calls.filter(
      (c) => c.ok && c.method === 'chat.postMessage' && String(c.args.text).startsWith(prefix),
    );

  it('the weekly post is found, not repeated, when the claim is taken over', async () => {
    // Recording the thread fails, and so does releasing the claim: the process is gone, the claim must expire.
    crash.crashOnNextWrite((doc, operation) => doc.id === 'week:2026-11-W4' && operation === 'replace', 2);
    expect((await services.jobs.runDue(clock)).weeklyPost).toBe('failed');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
    expect((await services.jobs.runDue(clock + 60_000)).weeklyPost).toBe('claimed-elsewhere');

    clock += 11 * 60_000; // past the claim's expiry
    const report = await services.jobs.runDue(clock);
    expect(report.weeklyPost).toBe('posted');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
    expect(slack.calls.some((c) => c.method === 'conversations.history')).toBe(true);

    const again = await services.jobs.runDue(clock + 60_000);
    expect(again.weeklyPost).toBe('already-posted');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
  });

  it('after two failed holders in a row, the third still finds the post (searched from the week start)', async () => {
    // Each holder gets the post into Slack (or finds it) and then fails to record it.
    crash.crashOnNextWrite(
      (doc, operation) =>
        doc.id === 'week:2026-11-W4' &&
        operation === 'replace' &&
        (doc as { status?: string }).status === 'posted',
      2,
    );
    expect((await services.jobs.runDue(clock)).weeklyPost).toBe('failed');
    clock += 5 * 60_000;
    expect((await services.jobs.runDue(clock)).weeklyPost).toBe('failed');
    clock += 5 * 60_000;
    expect((await services.jobs.runDue(clock)).weeklyPost).toBe('posted');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
  });

  it('the broadcast is found, not repeated, when the event is redelivered', async () => {
    await services.jobs.runDue(clock);
    const [week] = await crash.store.query<Doc & { threadTs?: string }>({ type: 'week' });
    const threadTs = String(week?.doc.threadTs);
    clock = Date.parse('2026-11-24T12:00:00+09:00');
    const event = reply({
      user: 'U0ALICE',
      ts: tsAt('2026-11-24T10:00:00+09:00'),
      threadTs,
      text: '<https://velog.io/@alice/til>',
    });
    const body = { eventId: event.event_id, event: event.event };

    // The process dies as the broadcast is recorded as sent: that write and the next (the outbox's) fail.
    let dead = false;
    crash.crashOnNextWrite((doc, operation) => {
      dead ||= doc.id.startsWith('participation:') && operation === 'replace';
      return dead;
    }, 2);
    await expect(
      services.processEvent.process(body, { messageId: event.event_id, deliveryCount: 1 }),
    ).rejects.toThrow(Crash);
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);

    await services.processEvent.process(body, { messageId: event.event_id, deliveryCount: 2 });
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);
    const participation = await crash.store.read<Doc & { status: string }>(
      `${CHANNEL}:2026-11`,
      'participation:2026-11-W4:U0ALICE',
    );
    expect(participation?.doc.status).toBe('sent');

    // A third delivery has nothing left to do.
    await services.processEvent.process(body, { messageId: event.event_id, deliveryCount: 3 });
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);
  });

  describe('a like DM', () => {
    const replyTs = tsAt('2026-11-24T10:00:00+09:00');
    const like = reaction({
      user: 'U0BOB',
      itemTs: replyTs,
      itemUser: 'U0ALICE',
      eventTs: tsAt('2026-11-24T11:00:00+09:00', 1),
    });
    const likeBody = { eventId: like.event_id, event: like.event };
    const likeDms = () => posts('TIL 11월 4주차에 올린').filter((c) => c.args.channel === 'DU0ALICE');
    type SubmissionWithOutbox = Doc & { outbox: { kind: string; sendStarted?: boolean }[] };
    const outbox = async () =>
      (await crash.store.read<SubmissionWithOutbox>(`${CHANNEL}:2026-11`, `submission:${replyTs}`))?.doc
        .outbox;

    beforeEach(async () => {
      await services.jobs.runDue(clock);
      const [week] = await crash.store.query<Doc & { threadTs?: string }>({ type: 'week' });
      clock = Date.parse('2026-11-24T12:00:00+09:00');
      const event = reply({
        user: 'U0ALICE',
        ts: replyTs,
        threadTs: String(week?.doc.threadTs),
        text: '<https://velog.io/@alice/til>',
      });
      await services.processEvent.process(
        { eventId: event.event_id, event: event.event },
        { messageId: event.event_id, deliveryCount: 1 },
      );
    });

    it('is found, not repeated, when the event is redelivered after a crash that followed the send', async () => {
      // The DM reaches Slack; the write that removes it from the outbox dies with the process.
      crash.crashOnNextWrite(
        (doc, operation) =>
          doc.id === `submission:${replyTs}` &&
          operation === 'replace' &&
          (doc as SubmissionWithOutbox).outbox.length === 0,
      );
      await expect(
        services.processEvent.process(likeBody, { messageId: like.event_id, deliveryCount: 1 }),
      ).rejects.toThrow(Crash);
      expect(likeDms()).toHaveLength(1);
      expect(await outbox()).toMatchObject([{ kind: 'like_dm', sendStarted: true }]);

      await services.processEvent.process(likeBody, { messageId: like.event_id, deliveryCount: 2 });
      expect(likeDms()).toHaveLength(1);
      expect(
        slack.calls.some((c) => c.method === 'conversations.history' && c.args.channel === 'DU0ALICE'),
      ).toBe(true);
      expect(await outbox()).toEqual([]);
    });

    it('is sent on the retry when the failed attempt never reached Slack, looked up first if it may have', async () => {
      // fatal_error: Slack says the call may have done something before failing.
      slack.failWhen('chat.postMessage', (args) => args.channel === 'DU0ALICE', { error: 'fatal_error' }, 1);
      await services.processEvent.process(likeBody, { messageId: like.event_id, deliveryCount: 1 });
      expect(likeDms()).toHaveLength(0);
      expect(await outbox()).toMatchObject([{ kind: 'like_dm', sendStarted: true, failedAttempts: 1 }]);

      clock += 30_000;
      await services.jobs.runDue(clock);
      expect(
        slack.calls.some((c) => c.method === 'conversations.history' && c.args.channel === 'DU0ALICE'),
      ).toBe(true);
      expect(likeDms()).toHaveLength(1);
      expect(likeDms()[0]?.args.text).toContain('합계 1개');
      expect(await outbox()).toEqual([]);
    });

    it('is retried without a lookup when Slack surely did not post it (rate limited)', async () => {
      slack.failWhen(
        'chat.postMessage',
        (args) => args.channel === 'DU0ALICE',
        { status: 429, retryAfterSec: 0 },
        6,
      );
      await services.processEvent.process(likeBody, { messageId: like.event_id, deliveryCount: 1 });
      expect(await outbox()).toMatchObject([{ kind: 'like_dm', failedAttempts: 1 }]);
      expect((await outbox())?.[0]?.sendStarted).toBeUndefined();
      clock += 30_000;
      await services.jobs.runDue(clock);
      expect(likeDms()).toHaveLength(1);
      expect(slack.calls.some((c) => c.method === 'conversations.history')).toBe(false);
    });

    it('is sent without a history lookup when nothing went wrong', async () => {
      await services.processEvent.process(likeBody, { messageId: like.event_id, deliveryCount: 1 });
      expect(likeDms()).toHaveLength(1);
      expect(slack.calls.some((c) => c.method === 'conversations.history')).toBe(false);
    });
  });

  it('a reply that arrives before its thread is recorded joins the week when the thread is', async () => {
    // Slack accepts the weekly post, then writing the thread → week record fails.
    crash.crashOnNextWrite((doc) => doc.id.startsWith('thread:'));
    expect((await services.jobs.runDue(clock)).weeklyPost).toBe('failed');
    expect(await crash.store.query({ type: 'thread' })).toEqual([]);
    const weekThreadTs = await createWebApiSlack({ token: 'xoxb-test', apiUrl: slack.url }).findTaggedMessage(
      CHANNEL,
      { type: 'til_weekly_post', id: '2026-11-W4' },
      '0',
    );
    expect(weekThreadTs).toBeDefined();

    // Alice replies in that thread meanwhile: the reply is kept, in no week yet, and nothing is announced.
    clock = Date.parse('2026-11-23T09:05:00+09:00');
    const event = reply({
      user: 'U0ALICE',
      ts: tsAt('2026-11-23T09:04:00+09:00'),
      threadTs: String(weekThreadTs),
      text: '<https://velog.io/@alice/til>',
    });
    slack.applyEvent(event);
    await services.processEvent.process(
      { eventId: event.event_id, event: event.event },
      { messageId: event.event_id, deliveryCount: 1 },
    );
    expect(posts('<@U0ALICE>님이')).toHaveLength(0);

    // The next tick finds the post instead of repeating it and records the thread; the thread_recorded message
    // it enqueues (in the week's session, behind Alice's reply) brings the reply into the week.
    expect((await services.jobs.runDue(clock)).weeklyPost).toBe('posted');
    expect(posts('*TIL 11월 4주차*')).toHaveLength(1);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({ sessionId: '2026-11', messageId: `thread-recorded:${weekThreadTs}` });
    for (const message of enqueued) {
      await services.processEvent.process(message.body, { messageId: message.messageId, deliveryCount: 1 });
    }
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);
    // A redelivery of it changes nothing.
    await services.processEvent.process(enqueued[0]?.body, { messageId: 'again', deliveryCount: 2 });
    expect(posts('<@U0ALICE>님이')).toHaveLength(1);
    const stats = await services.stats(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/stats?month=2026-11' }),
    );
    expect((responseJson(stats) as { weeks: { participants: number }[] }).weeks[0]?.participants).toBe(1);
  });
});
