/**
 * SlackPort over the Slack Web API (@slack/web-api). The client itself makes one attempt per request; the
 * retries are ours, per method: reads are retried on 429 (honouring Retry-After), 5xx, dropped connections and
 * Slack's transient codes, while chat.postMessage, which has no idempotency key, is retried only when Slack
 * certainly did not post (429, ratelimited, a connection that was never made). Every other failed post is
 * reported as ambiguous, for the caller to resolve by the post's tag before posting again.
 */
import type * as SlackSdk from '@slack/web-api';
import type { ChatPostMessageArguments, WebClient } from '@slack/web-api';
import type { Logger } from '../../app/logger.js';
import { slackSdkLogger } from './sdkLogger.js';
import {
  isSlackResponseUrl,
  type MessageTag,
  type PostMessage,
  SlackCallError,
  type SlackPort,
  type SlackUser,
  type ThreadPage,
} from './slack.js';

export { SlackCallError } from './slack.js';

/** How one call is retried (the field names of p-retry's options, which this replaced). */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries?: number;
  factor?: number;
  minTimeout?: number;
  maxTimeout?: number;
  randomize?: boolean;
  /** A call gives up this long after it started, whatever Retry-After says. */
  maxRetryTime?: number;
}

export interface WebApiSlackOptions {
  token: string;
  /** Web API base URL ending with `/`: https://slack.com/api/ or a test fake. */
  apiUrl: string;
  logger?: Logger;
  userCacheTtlMs?: number;
  /** The default makes 4 retries over roughly 8-15 s, plus Retry-After waits, within a minute. */
  retryConfig?: RetryPolicy;
  /** Per request, so a hung connection becomes a failure instead of stalling the consumer. */
  requestTimeoutMs?: number;
  now?: () => number;
}

const DEFAULT_RETRY: Required<RetryPolicy> = {
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
/** Slack advises pages of at most 200; a thread of a week's replies is one page. */
const THREAD_PAGE_LIMIT = 200;
const DEFAULT_USER_CACHE_TTL_MS = 60 * 60 * 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Slack's transient codes a read may be retried on within the call (auth errors last longer: not here). */
const RETRY_IN_CALL = new Set([
  'ratelimited',
  'rate_limited',
  'service_unavailable',
  'internal_error',
  'fatal_error',
  'request_timeout',
  'request_failed',
]);

/** What a post may be retried on within the call: the failures after which Slack certainly did not post. */
const isSurelyNotPosted = (error: SlackCallError) =>
  !error.ambiguous &&
  (error.code === 'ratelimited' ||
    error.code === 'rate_limited' ||
    error.code === 'request_timeout' ||
    error.code === 'request_failed');

const isRetriableInCall = (error: SlackCallError, idempotent: boolean) =>
  idempotent ? RETRY_IN_CALL.has(error.code) || /^http_5\d\d$/.test(error.code) : isSurelyNotPosted(error);

/** Connection errors that mean the request never reached Slack. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The SDK is loaded at the first call, not at start-up (it is a large share of the start, and the dry run or a
 * host that has not called Slack yet never needs it). Its error classes are read once it is loaded: only a call
 * can have raised one.
 */
let sdk: typeof SlackSdk | undefined;
let sdkLoading: Promise<typeof SlackSdk> | undefined;
async function loadSdk(): Promise<typeof SlackSdk> {
  // The SDK is CommonJS: Node's import() finds its named exports, but a bundle's (esbuild, both hosts) gives
  // only `default`, the module's exports object.
  sdkLoading ??= import('@slack/web-api').then((loaded) =>
    'WebClient' in loaded ? loaded : (loaded as unknown as { default: typeof SlackSdk }).default,
  );
  sdk = await sdkLoading;
  return sdk;
}

export function createWebApiSlack(options: WebApiSlackOptions): SlackPort {
  const { token, apiUrl, logger } = options;
  const now = options.now ?? Date.now;
  const userCacheTtlMs = options.userCacheTtlMs ?? DEFAULT_USER_CACHE_TTL_MS;
  const retry = { ...DEFAULT_RETRY, ...options.retryConfig };
  let clientLoading: Promise<WebClient> | undefined;
  /** The client, loading the SDK the first time. */
  const client = () =>
    (clientLoading ??= loadSdk().then(
      ({ WebClient, LogLevel }) =>
        new WebClient(token, {
          slackApiUrl: apiUrl,
          // One attempt per request: WebClient's own retries would repeat posts, and its rate-limit handling
          // pauses every method of the client for the whole Retry-After.
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
          ...(logger ? { logger: slackSdkLogger(logger, 'slack-web-api') } : { logLevel: LogLevel.WARN }),
        }),
    ));

  /** Per method (Slack's rate limits are per method): until when Slack asked us not to call it. */
  const rateLimitedUntil = new Map<string, number>();

  /**
   * One call with its retries, all within retry.maxRetryTime of its start (real time: the app's clock may be a
   * test's). A Retry-After that would outlast that is not waited for: the call fails as `ratelimited`, which is
   * retryable, and only this method waits; the others keep flowing.
   */
  async function call<T>(method: string, invoke: () => Promise<T>, idempotent = true): Promise<T> {
    const deadline = Date.now() + retry.maxRetryTime;
    for (let attempt = 0; ; attempt++) {
      const limitedFor = (rateLimitedUntil.get(method) ?? 0) - Date.now();
      if (limitedFor > 0) {
        if (Date.now() + limitedFor > deadline) {
          throw new SlackCallError(method, 'ratelimited', `Retry-After outlasts the call's limit`, {
            retryAfterMs: limitedFor,
          });
        }
        await sleep(limitedFor);
      }
      let error: SlackCallError;
      try {
        return await invoke();
      } catch (raw) {
        error = toSlackCallError(method, raw, token);
      }
      let waitMs = backoffMs(attempt);
      if (error.retryAfterMs !== undefined) {
        rateLimitedUntil.set(method, Date.now() + error.retryAfterMs);
        logger?.info(
          `slack-web-api: ${method} hit rate limiting, Slack asks to wait ${error.retryAfterMs / 1000} seconds`,
        );
        waitMs = error.retryAfterMs;
      }
      if (
        attempt >= retry.retries ||
        !isRetriableInCall(error, idempotent) ||
        Date.now() + waitMs > deadline
      ) {
        throw error;
      }
      logger?.debug(
        `slack-web-api: ${method} failed (${error.code}), retry ${attempt + 1} of ${retry.retries}`,
      );
      if (error.retryAfterMs === undefined) await sleep(waitMs);
    }
  }

  function backoffMs(attempt: number): number {
    const base = Math.min(retry.maxTimeout, retry.minTimeout * retry.factor ** attempt);
    return retry.randomize ? base * (1 + Math.random()) : base;
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
    const response = await call(
      'chat.postMessage',
      async () => (await client()).chat.postMessage(args),
      false,
    );
    return { ts: required('chat.postMessage', response.ts, 'ts') };
  }

  async function findTaggedMessage(
    channel: string,
    tag: MessageTag,
    oldestTs: string,
  ): Promise<string | undefined> {
    let cursor: string | undefined;
    // Used when an earlier attempt may have posted, over the history since that attempt: a few pages suffice.
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const response = await call('conversations.history', async () =>
        (await client()).conversations.history({
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
    const opened = await call('conversations.open', async () =>
      (await client()).conversations.open({ users: userId }),
    );
    return required('conversations.open', opened.channel?.id, 'channel.id');
  }

  let botUser: Promise<string> | undefined;
  // A second user cache, on purpose: app/memberDirectory.ts keeps members in the store for 24 h, but events about
  // the same member handled at the same time (sessions run in parallel) all miss the store before any of them
  // has written it. Caching the users.info promise here, per instance for userCacheTtlMs (1 h by default),
  // coalesces those lookups into one request, which the store cache cannot do.
  const users = new Map<string, { expiresAtMs: number; user: Promise<SlackUser> }>();

  async function fetchUser(userId: string): Promise<SlackUser> {
    const response = await call('users.info', async () => (await client()).users.info({ user: userId }));
    const user = required('users.info', response.user, 'user');
    const name =
      user.profile?.display_name || user.profile?.real_name || user.real_name || user.name || userId;
    return { id: userId, name, isBot: Boolean(user.is_bot) || userId === 'USLACKBOT' };
  }

  return {
    async identity() {
      const response = await call('auth.test', async () => (await client()).auth.test());
      return {
        userId: required('auth.test', response.user_id, 'user_id'),
        userName: response.user ?? response.user_id ?? '',
        team: response.team ?? response.team_id ?? '',
        ...(response.response_metadata?.scopes && { scopes: response.response_metadata.scopes }),
      };
    },

    async channelMembership(channel) {
      const response = await call('conversations.info', async () =>
        (await client()).conversations.info({ channel }),
      );
      return {
        ...(response.channel?.name && { name: response.channel.name }),
        isMember: response.channel?.is_member === true,
      };
    },

    botUserId() {
      if (!botUser) {
        botUser = call('auth.test', async () => (await client()).auth.test()).then((response) =>
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
      const response = await call('chat.getPermalink', async () =>
        (await client()).chat.getPermalink({ channel, message_ts: ts }),
      );
      return required('chat.getPermalink', response.permalink, 'permalink');
    },

    findTaggedMessage,

    async findTaggedDirectMessage(userId, tag, oldestTs) {
      return findTaggedMessage(await directMessageChannel(userId), tag, oldestTs);
    },

    async threadRepliesPage(channel, threadTs, cursor): Promise<ThreadPage> {
      const response = await call('conversations.replies', async () =>
        (await client()).conversations.replies({ channel, ts: threadTs, limit: THREAD_PAGE_LIMIT, cursor }),
      );
      const nextCursor = response.response_metadata?.next_cursor || undefined;
      return { messages: response.messages ?? [], ...(nextCursor && { nextCursor }) };
    },

    async messageReactions(channel, ts) {
      const response = await call('reactions.get', async () =>
        (await client()).reactions.get({ channel, timestamp: ts, full: true }),
      );
      return response.message?.reactions ?? [];
    },

    async postEphemeral({ channel, user, threadTs, text }) {
      await call(
        'chat.postEphemeral',
        async () => (await client()).chat.postEphemeral({ channel, user, thread_ts: threadTs, text }),
        false,
      );
    },

    async respond(responseUrl, message) {
      if (!isSlackResponseUrl(responseUrl, apiUrl)) {
        throw new SlackCallError('response_url', 'invalid_response_url', 'not a Slack hooks URL', {
          ambiguous: false,
        });
      }
      // No token: the URL itself is the credential. A second answer is harmless but visible, so, like a post,
      // it is retried only when Slack surely did not get the first.
      await call('response_url', () => postResponse(responseUrl, message), false);
    },

    async publishHomeView(userId, view) {
      await call('views.publish', async () => (await client()).views.publish({ user_id: userId, view }));
    },
  };

  async function postResponse(url: string, message: { text: string; replaceOriginal?: boolean }) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        response_type: 'ephemeral',
        text: message.text,
        replace_original: message.replaceOriginal ?? false,
      }),
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    });
    const body = await response.text();
    if (response.status === 429) {
      const retryAfterSec = Number(response.headers.get('retry-after'));
      throw new SlackCallError('response_url', 'ratelimited', undefined, {
        ambiguous: false,
        ...(Number.isFinite(retryAfterSec) && { retryAfterMs: retryAfterSec * 1000 }),
      });
    }
    if (response.status >= 500) throw new SlackCallError('response_url', `http_${response.status}`);
    // Slack answers `ok` (or {"ok":true}); an expired or used URL is a 404 with the reason in the body.
    if (!response.ok) {
      throw new SlackCallError('response_url', body.slice(0, 100) || `http_${response.status}`, undefined, {
        ambiguous: false,
      });
    }
  }
}

function toSlackCallError(method: string, error: unknown, token: string): SlackCallError {
  if (error instanceof SlackCallError) return error;
  if (sdk && error instanceof sdk.WebAPIRateLimitedError) {
    return new SlackCallError(method, 'ratelimited', undefined, { retryAfterMs: error.retryAfter * 1000 });
  }
  if (sdk && error instanceof sdk.WebAPIPlatformError) return new SlackCallError(method, error.data.error);
  if (sdk && error instanceof sdk.WebAPIHTTPError)
    return new SlackCallError(method, `http_${error.statusCode}`);
  const original = sdk && error instanceof sdk.WebAPIRequestError ? error.original : error;
  // A 429 without a usable Retry-After.
  if (original instanceof Error && /retry header|rate limit/i.test(original.message)) {
    return new SlackCallError(method, 'ratelimited', undefined, { ambiguous: false });
  }
  const cause = original instanceof Error ? (original.cause as { code?: unknown } | undefined) : undefined;
  const neverSent = typeof cause?.code === 'string' && NOT_CONNECTED.has(cause.code);
  return new SlackCallError(method, 'request_failed', redact(describe(original), token), {
    ambiguous: !neverSent,
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and puts the reason (ECONNREFUSED, timeout) in `cause`.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function redact(text: string, token: string): string {
  return token ? text.replaceAll(token, '[token]') : text;
}
