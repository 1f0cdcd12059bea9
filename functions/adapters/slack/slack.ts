/** The Slack port: the few Web API calls the bot makes. Adapters: Web API client, dry run. */
import type { HomeView } from '@slack/types';

/**
 * Identifies a bot post (Slack message metadata: event_type + event_payload.id), so that after a crash between
 * Slack accepting a post and the store recording it, or a post whose answer was lost, the post can be found
 * instead of being made twice.
 */
export interface MessageTag {
  type:
    | 'til_weekly_post'
    | 'til_broadcast'
    | 'til_monthly_award'
    | 'til_like_dm'
    | 'til_admin_alert'
    | 'til_reminder';
  id: string;
}

export interface PostMessage {
  channel: string;
  text: string;
  tag?: MessageTag;
}

export interface SlackUser {
  id: string;
  /** Display name, falling back to real name, then the id. */
  name: string;
  isBot: boolean;
}

/** Who the token is (auth.test), and the scopes Slack says it was granted (its `x-oauth-scopes` header). */
export interface SlackIdentity {
  userId: string;
  /** The bot user's name, for "connected as @name". */
  userName: string;
  team: string;
  /** Undefined when Slack sent no `x-oauth-scopes` header. */
  scopes?: string[];
}

/** conversations.info: whether the bot is in the channel (it hears the channel's events only if it is). */
export interface ChannelMembership {
  name?: string;
  isMember: boolean;
}

/** One page of a thread (`conversations.replies`): the messages as Slack sent them, validated by the caller. */
export interface ThreadPage {
  messages: unknown[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** An answer to a slash command or a button click, through its `response_url`: seen by that member alone. */
export interface SlackResponse {
  text: string;
  /** Replace the message the click came from (ephemeral answers of a command) instead of adding one. */
  replaceOriginal?: boolean;
}

/**
 * Where a response_url may point: Slack's hooks host (https://hooks.slack.com/commands/…, /actions/…), or, for
 * tests and local fakes, the origin of SLACK_API_URL. Anything else is refused, so a forged or corrupted URL in a
 * queued message can never make the bot post elsewhere.
 */
export function isSlackResponseUrl(url: string, apiUrl: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  if (parsed.protocol === 'https:' && parsed.host === 'hooks.slack.com') return true;
  return parsed.origin === new URL(apiUrl).origin && parsed.pathname.startsWith('/hooks/');
}

export interface SlackPort {
  /** auth.test with the granted scopes, for the start-up self-check. Undefined in dry run. */
  identity(): Promise<SlackIdentity | undefined>;
  /** conversations.info about `channel` (dry run: a member). */
  channelMembership(channel: string): Promise<ChannelMembership>;
  /** The app's own bot user id (auth.test), so its messages can be ignored. Undefined in dry run. */
  botUserId(): Promise<string | undefined>;
  /**
   * chat.postMessage. Not idempotent, so never blindly retried: a failure whose `ambiguous` is set may have
   * posted, and the caller must look the post up by its tag before posting again.
   */
  postMessage(message: PostMessage): Promise<{ ts: string }>;
  /** conversations.open + chat.postMessage. */
  sendDirectMessage(userId: string, text: string, tag?: MessageTag): Promise<void>;
  userInfo(userId: string): Promise<SlackUser>;
  permalink(channel: string, ts: string): Promise<string>;
  /** The ts of a top-level channel message carrying `tag`, posted at or after `oldestTs`, if any. */
  findTaggedMessage(channel: string, tag: MessageTag, oldestTs: string): Promise<string | undefined>;
  /** findTaggedMessage in the app's direct-message conversation with `userId`. */
  findTaggedDirectMessage(userId: string, tag: MessageTag, oldestTs: string): Promise<string | undefined>;
  /**
   * One page of `threadTs`'s thread, oldest first (the parent first), each message with its reactions. Undefined
   * when there is no Slack to read (dry run): an empty thread would read as every reply deleted.
   */
  threadRepliesPage(channel: string, threadTs: string, cursor?: string): Promise<ThreadPage | undefined>;
  /** Every reaction on one message, with every user (`reactions.get`, full): `reactions` as Slack sent it. */
  messageReactions(channel: string, ts: string): Promise<unknown>;
  /**
   * chat.postEphemeral: a note only `user` sees, in `threadTs`'s thread. It cannot be looked up afterwards, so, like
   * a post, it is retried only when Slack surely did not take it.
   */
  postEphemeral(message: { channel: string; user: string; threadTs: string; text: string }): Promise<void>;
  /** POSTs an ephemeral answer to a command's or click's response_url (checked by isSlackResponseUrl first). */
  respond(responseUrl: string, message: SlackResponse): Promise<void>;
  /** views.publish: the member's App Home tab. Idempotent: publishing the same view again changes nothing. */
  publishHomeView(userId: string, view: HomeView): Promise<void>;
}

/**
 * Slack said so, or is down: a later attempt may succeed without anyone acting. Auth errors are here because a
 * token can be revoked and restored, or a workspace briefly suspended; retrying them over hours costs nothing.
 */
const RETRYABLE_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'service_unavailable',
  'internal_error',
  'fatal_error',
  'request_timeout',
  'request_failed',
  'invalid_response',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);

/** Codes after which a post may be in the channel although the call failed (Slack's docs say as much). */
const AMBIGUOUS_CODES = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_failed',
  'invalid_response',
]);

const isServerError = (code: string) => /^http_5\d\d$/.test(code);

/** A call Slack refused or that kept failing after the retries. Carries no token, only what to report. */
export class SlackCallError extends Error {
  /** A later attempt may succeed by itself (outage, rate limit, a token restored); otherwise someone must act. */
  readonly retryable: boolean;
  /** The call may have taken effect: a post may be in Slack although its answer was lost or an error. */
  readonly ambiguous: boolean;
  /** Slack's Retry-After, when it asked to wait. */
  readonly retryAfterMs?: number;

  constructor(
    readonly method: string,
    /** Slack's error code (`channel_not_found`), or `ratelimited`, `http_503`, `request_failed`, `invalid_response`. */
    readonly code: string,
    detail?: string,
    options: { ambiguous?: boolean; retryAfterMs?: number } = {},
  ) {
    super(`Slack ${method} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'SlackCallError';
    this.retryable = RETRYABLE_CODES.has(code) || isServerError(code);
    this.ambiguous = options.ambiguous ?? (AMBIGUOUS_CODES.has(code) || isServerError(code));
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether a failed attempt at a post may have posted: unknown errors are assumed to have. */
export function mayHavePosted(error: unknown): boolean {
  return (
    !(error instanceof SlackCallError) ||
    ((error.method === 'chat.postMessage' || error.method === 'chat.postEphemeral') && error.ambiguous)
  );
}

/** Whether waiting may cure the failure: Slack's transient errors, and anything that is not Slack's answer. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof SlackCallError) || error.retryable;
}
