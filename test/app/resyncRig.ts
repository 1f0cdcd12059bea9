/**
 * The app in-process as both hosts wire it (createServices) over the real parts that run here: the embedded
 * durable queue and its consumer, the file store, the signed ingress handler, and the Web API adapter against the
 * loopback fake Slack, which keeps the threads' real state. One settable clock for the app and the fake, so a test
 * decides when a re-sync is due and when Slack's state changed relative to a read.
 */
import { join } from 'node:path';
import { openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';
import { defaultQueueOptions, type OutgoingMessage } from '../../functions/adapters/queue/queue.js';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { WeekDoc } from '../../functions/app/documents.js';
import { loadConfig } from '../../functions/config.js';
import { createServices } from '../../functions/services.js';
import { signSlackRequest } from '../../functions/slack/verifySignature.js';
import {
  BOT_TOKEN,
  baseEnv,
  CHANNEL,
  capturedLog,
  invocationContext,
  request,
  responseJson,
  SECRET,
} from '../handlers/helpers.js';
import { type FakeSlackOptions, startFakeSlack } from '../support/fakeSlack.js';
import { makeTempDir } from '../support/tempDir.js';

export { CHANNEL };
export const ADMINS = ['U0ADMIN1', 'U0ADMIN2'];
export const MONTH_PK = `${CHANNEL}:2026-11`;

export interface MemberStats {
  userId: string;
  weeks: string[];
  submissions: number;
  likes: number;
}
export interface Stats {
  weeks: { key: string; participants: number; likes: number }[];
  members: MemberStats[];
}

export async function startResyncRig(
  options: { fake?: FakeSlackOptions; env?: Record<string, string> } = {},
) {
  const clock = { ms: Date.parse('2026-11-23T09:05:00+09:00') };
  const fake = await startFakeSlack({ token: BOT_TOKEN, now: () => clock.ms, ...options.fake });
  const dir = await makeTempDir('resync');
  const store = await openFileStore(join(dir.path, 'store'));
  const queue = await openEmbeddedQueue(join(dir.path, 'queue'), {
    ...defaultQueueOptions,
    retryDelayMs: 20,
  });
  /** What the app put on the queue, in order (the ingress's events, the jobs' and the re-sync's messages). */
  const sent: OutgoingMessage[] = [];
  const log = capturedLog();
  const config = loadConfig({
    ...baseEnv,
    ADMIN_USER_IDS: ADMINS.join(','),
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.url,
    ...options.env,
  });
  const slack = createWebApiSlack({
    token: BOT_TOKEN,
    apiUrl: fake.url,
    logger: log,
    retryConfig: { retries: 1, factor: 1, minTimeout: 5, maxTimeout: 5 },
  });
  const services = createServices(config, {
    store,
    queue: {
      async send(message) {
        sent.push(message);
        await queue.send(message);
      },
      close: () => queue.close(),
    },
    slack,
    log,
    now: () => clock.ms,
    queueDepth: () => queue.pendingCount(),
  });
  queue.start(
    async (message) => {
      await services.processEvent.process(message.body, message);
    },
    (message, reason) => services.processEvent.deadLettered({ ...message, reason }),
  );
  await services.jobs.runDue(clock.ms);
  const threadTs = (await store.read<WeekDoc>(MONTH_PK, 'week:2026-11-W4'))!.doc.threadTs!;

  let eventCounter = 0;
  /** Slack delivers an event to the app: signed, through the real ingress handler, onto the queue. */
  async function deliver(event: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify({
      type: 'event_callback',
      event_id: `Ev${String(++eventCounter).padStart(8, '0')}`,
      event_time: Math.floor(clock.ms / 1000),
      event,
    });
    const timestamp = String(Math.floor(clock.ms / 1000));
    const response = await services.slackEvents(
      request({
        method: 'POST',
        path: '/api/slack/events',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signSlackRequest(SECRET, timestamp, body),
        },
        body,
      }),
      invocationContext('slack-events'),
    );
    if (response.status !== 200) throw new Error(`ingress answered ${response.status}`);
  }

  const tsNow = (micros = 0) => `${Math.floor(clock.ms / 1000)}.${String(micros).padStart(6, '0')}`;

  /**
   * What members do in Slack. Each changes Slack's state (the fake) and, unless `dropped`, delivers the event
   * Slack sends for it; a dropped one is an event Slack never delivered (the app was down, Slack gave up).
   */
  const member = {
    async reply(user: string, text: string, o: { dropped?: boolean } = {}): Promise<string> {
      const ts = fake.postReply(CHANNEL, threadTs, { user, text });
      if (!o.dropped) {
        await deliver({
          type: 'message',
          channel: CHANNEL,
          user,
          text,
          ts,
          thread_ts: threadTs,
          event_ts: ts,
        });
      }
      return ts;
    },
    async edit(user: string, ts: string, text: string, o: { dropped?: boolean } = {}) {
      const editedTs = tsNow(1);
      fake.editReply(CHANNEL, ts, text, editedTs);
      if (o.dropped) return;
      await deliver({
        type: 'message',
        subtype: 'message_changed',
        channel: CHANNEL,
        ts: editedTs,
        event_ts: editedTs,
        message: { type: 'message', user, text, ts, thread_ts: threadTs, edited: { user, ts: editedTs } },
      });
    },
    async delete(ts: string, o: { dropped?: boolean } = {}) {
      fake.deleteMessage(CHANNEL, ts);
      if (o.dropped) return;
      const at = tsNow(2);
      await deliver({
        type: 'message',
        subtype: 'message_deleted',
        channel: CHANNEL,
        ts: at,
        event_ts: at,
        deleted_ts: ts,
      });
    },
    /** A 👍 added or removed; `eventTs` as Slack dates it (default: now), `inSlack: false` leaves the fake as it is. */
    async like(
      user: string,
      itemTs: string,
      itemUser: string,
      o: { added?: boolean; dropped?: boolean; eventTs?: string; inSlack?: boolean } = {},
    ) {
      const added = o.added ?? true;
      if (o.inSlack !== false) {
        if (added) fake.react(CHANNEL, itemTs, user);
        else fake.unreact(CHANNEL, itemTs, user);
      }
      if (o.dropped) return;
      await deliver({
        type: added ? 'reaction_added' : 'reaction_removed',
        user,
        reaction: '+1',
        item_user: itemUser,
        item: { type: 'message', channel: CHANNEL, ts: itemTs },
        event_ts: o.eventTs ?? tsNow(3),
      });
    },
  };

  return {
    clock,
    fake,
    store,
    queue,
    sent,
    log,
    services,
    threadTs,
    member,
    deliver,
    /** Everything enqueued so far has been processed. */
    idle: () => queue.idle(),
    /** Runs a scheduled tick `ms` later on the clock. */
    tickAfter(ms: number) {
      clock.ms += ms;
      return services.jobs.runDue(clock.ms);
    },
    /** The re-sync's messages on the queue so far. */
    resyncSent: () => sent.filter((m) => m.messageId.startsWith('resync:')),
    async stats(month = '2026-11'): Promise<Stats> {
      const response = await services.stats(request({ method: 'GET', path: '/api/stats', query: { month } }));
      return responseJson(response) as Stats;
    },
    /** Successful posts in the channel (broadcasts, awards) and DMs to a user. */
    posts: (channel = CHANNEL) =>
      fake.calls
        .filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === channel)
        .map((c) => String(c.args.text)),
    dmsTo: (user: string) =>
      fake.calls
        .filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === `D${user}`)
        .map((c) => String(c.args.text)),
    callsOf: (method: string) => fake.calls.filter((c) => c.method === method),
    async dispose() {
      await queue.close();
      await store.close();
      await fake.close();
      await dir.remove();
    },
  };
}

export type ResyncRig = Awaited<ReturnType<typeof startResyncRig>>;
