/** SlackPort over the Slack Web API (@slack/web-api), with retries on 429 (honouring Retry-After) and 5xx. */
import {
  type ChatPostMessageArguments,
  LogLevel,
  type RetryOptions,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRequestError,
  WebClient,
  type Logger as WebClientLogger,
} from '@slack/web-api';
import type { Logger } from '../../app/logger.js';
import type { MessageTag, PostMessage, SlackPort, SlackUser } from './slack.js';

/** A call Slack refused or that kept failing after the retries. Carries no token, only what to report. */
export class SlackCallError extends Error {
  constructor(
    readonly method: string,
    /** Slack's error code (`channel_not_found`), or `ratelimited`, `http_503`, `request_failed`, `invalid_response`. */
    readonly code: string,
    detail?: string,
  ) {
    super(`Slack ${method} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'SlackCallError';
  }
}

export interface WebApiSlackOptions {
  token: string;
  /** Web API base URL ending with `/`: https://slack.com/api/ or a test fake. */
  apiUrl: string;
  logger?: Logger;
  userCacheTtlMs?: number;
  /** p-retry options for 429 and 5xx; the default makes 4 retries over roughly 8-15 s, plus Retry-After waits. */
  retryConfig?: RetryOptions;
  now?: () => number;
}

const DEFAULT_RETRY: RetryOptions = {
  retries: 4,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 4_000,
  randomize: true,
  // A call gives up within about a minute, whatever Retry-After says: a scheduled post's claim (10 minutes)
  // must outlive it, and a queue delivery should fail and retry rather than hold its session.
  maxRetryTime: 60_000,
};
const HISTORY_PAGES = 5;
const DEFAULT_USER_CACHE_TTL_MS = 60 * 60 * 1000;
/** Per request, so a hung connection becomes a retry instead of stalling the consumer. */
const REQUEST_TIMEOUT_MS = 10_000;

export function createWebApiSlack(options: WebApiSlackOptions): SlackPort {
  const { token, apiUrl, logger } = options;
  const now = options.now ?? Date.now;
  const userCacheTtlMs = options.userCacheTtlMs ?? DEFAULT_USER_CACHE_TTL_MS;
  const client = new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: options.retryConfig ?? DEFAULT_RETRY,
    rejectRateLimitedCalls: false,
    timeout: REQUEST_TIMEOUT_MS,
    ...(logger ? { logger: webClientLogger(logger) } : { logLevel: LogLevel.WARN }),
  });

  async function call<T>(method: string, invoke: () => Promise<T>): Promise<T> {
    try {
      return await invoke();
    } catch (error) {
      throw toSlackCallError(method, error, token);
    }
  }

  function required<T>(method: string, value: T | undefined, field: string): T {
    if (value === undefined) throw new SlackCallError(method, 'invalid_response', `no ${field}`);
    return value;
  }

  async function postMessage(message: PostMessage): Promise<{ ts: string }> {
    const args = {
      channel: message.channel,
      text: message.text,
      metadata: message.tag
        ? { event_type: message.tag.type, event_payload: { id: message.tag.id } }
        : undefined,
    } as ChatPostMessageArguments;
    const response = await call('chat.postMessage', () => client.chat.postMessage(args));
    return { ts: required('chat.postMessage', response.ts, 'ts') };
  }

  async function findTaggedMessage(
    channel: string,
    tag: MessageTag,
    oldestTs: string,
  ): Promise<string | undefined> {
    let cursor: string | undefined;
    // Only used when recovering from a crash, over a few minutes of channel history: a few pages suffice.
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const response = await call('conversations.history', () =>
        client.conversations.history({
          channel,
          oldest: oldestTs,
          inclusive: true,
          include_all_metadata: true,
          limit: 200,
          cursor,
        }),
      );
      const found = response.messages?.find(
        (m) =>
          m.metadata?.event_type === tag.type &&
          // The SDK types event_payload as {}; it is the object we posted.
          (m.metadata.event_payload as { id?: unknown } | undefined)?.id === tag.id,
      );
      if (found?.ts) return found.ts;
      cursor = response.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  async function directMessageChannel(userId: string): Promise<string> {
    const opened = await call('conversations.open', () => client.conversations.open({ users: userId }));
    return required('conversations.open', opened.channel?.id, 'channel.id');
  }

  let botUser: Promise<string> | undefined;
  // A second user cache, on purpose: app/memberDirectory.ts keeps members in the store for 24 h, but events about
  // the same member handled at the same time (sessions run in parallel) all miss the store before any of them
  // has written it. Caching the users.info promise here, per instance for userCacheTtlMs (1 h by default),
  // coalesces those lookups into one request, which the store cache cannot do.
  const users = new Map<string, { expiresAtMs: number; user: Promise<SlackUser> }>();

  async function fetchUser(userId: string): Promise<SlackUser> {
    const response = await call('users.info', () => client.users.info({ user: userId }));
    const user = required('users.info', response.user, 'user');
    const name =
      user.profile?.display_name || user.profile?.real_name || user.real_name || user.name || userId;
    return { id: userId, name, isBot: Boolean(user.is_bot) || userId === 'USLACKBOT' };
  }

  return {
    botUserId() {
      if (!botUser) {
        botUser = call('auth.test', () => client.auth.test()).then((response) =>
          required('auth.test', response.user_id, 'user_id'),
        );
        // A failure is not cached: the next event tries again.
        botUser.catch(() => {
          botUser = undefined;
        });
      }
      return botUser;
    },

    postMessage,

    async sendDirectMessage(userId, text, tag) {
      await postMessage({ channel: await directMessageChannel(userId), text, tag });
    },

    userInfo(userId) {
      const cached = users.get(userId);
      if (cached && cached.expiresAtMs > now()) return cached.user;
      // The promise is cached, so concurrent lookups of one user make one request.
      const user = fetchUser(userId);
      users.set(userId, { expiresAtMs: now() + userCacheTtlMs, user });
      user.catch(() => users.delete(userId));
      return user;
    },

    async permalink(channel, ts) {
      const response = await call('chat.getPermalink', () =>
        client.chat.getPermalink({ channel, message_ts: ts }),
      );
      return required('chat.getPermalink', response.permalink, 'permalink');
    },

    findTaggedMessage,

    async findTaggedDirectMessage(userId, tag, oldestTs) {
      return findTaggedMessage(await directMessageChannel(userId), tag, oldestTs);
    },
  };
}

function toSlackCallError(method: string, error: unknown, token: string): SlackCallError {
  if (error instanceof SlackCallError) return error;
  if (error instanceof WebAPIPlatformError) return new SlackCallError(method, error.data.error);
  if (error instanceof WebAPIHTTPError) return new SlackCallError(method, `http_${error.statusCode}`);
  if (error instanceof WebAPIRequestError) {
    // WebClient reports a 429 that outlasted the retries as a request error with this message.
    if (/rate limit/i.test(error.original.message)) return new SlackCallError(method, 'ratelimited');
    return new SlackCallError(method, 'request_failed', redact(describe(error.original), token));
  }
  return new SlackCallError(method, 'request_failed', redact(describe(error), token));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and puts the reason (ECONNREFUSED, timeout) in `cause`.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function redact(text: string, token: string): string {
  return token ? text.replaceAll(token, '[token]') : text;
}

/** WebClient's logger interface over the app's; WebClient redacts tokens from what it logs. */
function webClientLogger(log: Logger): WebClientLogger {
  let level = LogLevel.INFO;
  const line = (parts: unknown[]) => `slack-web-api: ${parts.map(String).join(' ')}`;
  return {
    debug: (...parts) => log.debug(line(parts)),
    info: (...parts) => log.info(line(parts)),
    warn: (...parts) => log.warn(line(parts)),
    error: (...parts) => log.error(line(parts)),
    setLevel: (newLevel) => {
      level = newLevel;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
