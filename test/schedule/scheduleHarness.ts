/** In-process services for the schedule tests: real jobs, a real store, the Web API adapter against fake Slack. */
import type { QueueSender } from '../../functions/adapters/queue/queue.js';
import { createWebApiSlack } from '../../functions/adapters/slack/webApiSlack.js';
import type { Store } from '../../functions/adapters/store/store.js';
import type { Logger } from '../../functions/app/logger.js';
import { loadConfig } from '../../functions/config.js';
import { createServices, type Services } from '../../functions/services.js';
import type { FakeSlack, SlackCall } from '../support/fakeSlack.js';

export const CHANNEL = 'C0TIL0001';
export const BOT_TOKEN = 'xoxb-test-schedule-0123456789';
export const ADMINS = ['U0ADMIN1', 'U0ADMIN2'];
export const DASHBOARD_URL = 'https://til.example.com/dashboard';

/** A settable clock shared by the app and fake Slack (so the ts Slack returns lies in the simulated week). */
export function fakeClock(startIso = '2026-11-01T00:00:00+09:00') {
  let nowMs = Date.parse(startIso);
  return {
    now: () => nowMs,
    set(iso: string): number {
      nowMs = Date.parse(iso);
      if (Number.isNaN(nowMs)) throw new Error(`bad instant ${iso}`);
      return nowMs;
    },
  };
}

/**
 * The only thing the jobs enqueue is the thread_recorded message of a weekly post (no Slack events are sent in
 * these tests): anything else is refused, so an unexpected send is loud.
 */
const noQueue: QueueSender = {
  send: async (message) => {
    if (!message.messageId.startsWith('thread-recorded:')) {
      throw new Error(`the schedule tests send no events, got ${message.messageId}`);
    }
  },
  close: async () => {},
};

export function quietLogger(lines: string[] = []): Logger {
  const at =
    (level: string) =>
    (message: string): void => {
      lines.push(`${level} ${message}`);
    };
  return { debug: () => {}, info: at('info'), warn: at('warn'), error: at('error') };
}

export function scheduleServices(
  store: Store,
  fake: FakeSlack,
  clock: { now: () => number },
  env: Record<string, string> = {},
  log: Logger = quietLogger(),
): Services {
  const config = loadConfig({
    TIL_CHANNEL_ID: CHANNEL,
    SLACK_SIGNING_SECRET: 'schedule-signing-secret',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.url,
    ADMIN_USER_IDS: ADMINS.join(','),
    DASHBOARD_URL,
    ...env,
  });
  const slack = createWebApiSlack({
    token: BOT_TOKEN,
    apiUrl: fake.url,
    logger: log,
    retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 10 },
    now: clock.now,
  });
  return createServices(config, { store, queue: noQueue, slack, log, now: clock.now });
}

/** Successful chat.postMessage calls in the challenge channel (weekly posts, awards, broadcasts). */
export const channelPosts = (fake: FakeSlack): SlackCall[] =>
  fake.calls.filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === CHANNEL);

/** Successful channel posts whose text starts with `prefix` (e.g. a week's bold label). */
export const postsStartingWith = (fake: FakeSlack, prefix: string): SlackCall[] =>
  channelPosts(fake).filter((c) => String(c.args.text).startsWith(prefix));

/** Successful DMs to `userId`: chat.postMessage in the channel conversations.open gave (fake Slack: D<user>). */
export const directMessagesTo = (fake: FakeSlack, userId: string): SlackCall[] =>
  fake.calls.filter((c) => c.method === 'chat.postMessage' && c.ok && c.args.channel === `D${userId}`);
