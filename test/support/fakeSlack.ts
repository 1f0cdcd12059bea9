/**
 * A loopback fake of the few Slack Web API methods the bot calls, for tests in-process or for an app started as
 * a child process with SLACK_API_URL set to `url`. Importing this module starts nothing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manifestBotScopes } from '../../functions/slack/appManifest.js';

export interface SlackCall {
  method: string;
  /** Request arguments; JSON-valued form fields (blocks, attachments, metadata) are decoded. */
  args: Record<string, unknown>;
  /**
   * Whether Slack performed the call (`ok: true`), whether or not the client heard it: a post whose answer was
   * dropped, too slow or replaced by a 5xx is still in the channel.
   */
  ok: boolean;
  /** Set when the client got no `ok` answer for a call that was performed (dropped, 5xx after posting, slow). */
  answerLost?: true;
}

export type SlackFailure =
  | { status: 429; retryAfterSec: number }
  /** A 5xx; with `afterPerforming`, Slack did the call (posted) and then answered 5xx. */
  | { status: 500 | 502 | 503 | 504; afterPerforming?: boolean }
  | { error: string }
  /**
   * A slow answer, sent `slowMs` later (after the client's timeout, say). The call is performed at once, or with
   * `performLate` only when the answer is sent (Slack taking its time before posting).
   */
  | { slowMs: number; performLate?: boolean }
  /** The connection is closed without an answer, after the call was performed (posted) or before. */
  | { dropConnection: 'after-performing' | 'before-performing' };

export interface FailureScope {
  /** Only these methods fail (default: every method). */
  methods?: string[];
  /** Calls whose arguments satisfy this are spared (an admin's DM channel, say). */
  except?: (method: string, args: Record<string, unknown>) => boolean;
}

export interface FakeUser {
  name: string;
  isBot: boolean;
}

export interface FakeSlackOptions {
  /** When set, requests with another bearer token get `invalid_auth`. */
  token?: string;
  botUserId?: string;
  /** Clock for generated message ts (defaults to Date.now), so tests can post "in" a chosen week. */
  now?: () => number;
  /** conversations.replies pages hold at most this many messages (Slack: `limit`, at most 1000; 15 for some apps). */
  repliesPageSize?: number;
  /**
   * conversations.replies lists at most this many users per reaction (with `count` the true number), as Slack may:
   * the rest only through reactions.get.
   */
  reactionUsersShown?: number;
  /** Sent in `x-oauth-scopes` with every answer to the bot token (default: every scope the manifest asks for). */
  scopes?: string[];
}

/** A thread reply as the fake keeps it: what conversations.replies lists. */
export interface FakeReply {
  user: string;
  text: string;
  ts?: string;
  blocks?: unknown[];
  /** A bot's reply. */
  botId?: string;
}

export interface FakeSlack {
  /** Base URL for WebClient's slackApiUrl / SLACK_API_URL, ending with `/api/`. */
  url: string;
  /** Every request received, in order, failed ones included. */
  calls: SlackCall[];
  /** The next `times` calls of `method` fail this way. */
  failNext(method: string, failure: SlackFailure, times?: number): void;
  /** The next `times` calls of `method` whose arguments satisfy `match` fail this way (others are unaffected). */
  failWhen(
    method: string,
    match: (args: Record<string, unknown>) => boolean,
    failure: SlackFailure,
    times?: number,
  ): void;
  /**
   * Every matching call fails this way until the returned function is called: an outage (`{ status: 503 }`), a
   * revoked token (`{ error: 'invalid_auth' }`). Rules armed by failNext/failWhen go first.
   */
  failAll(failure: SlackFailure, scope?: FailureScope): () => void;
  /** failAll for `ms` of real time. */
  failFor(ms: number, failure: SlackFailure, scope?: FailureScope): void;
  /** A message someone else posted in `channel` (for conversations.history), e.g. chatter between bot posts. */
  addMessage(channel: string, message: { ts?: string; text: string; metadata?: unknown }): string;
  /** Top-level messages in `channel`, oldest first: what a user scrolling the channel sees. */
  messagesIn(channel: string): { ts: string; text: unknown; metadata?: unknown }[];
  /** A reply in `threadTs`'s thread (Slack's state; no event is sent: the test delivers or drops it). Its ts. */
  postReply(channel: string, threadTs: string, reply: FakeReply): string;
  /** The reply's text edited (sets `edited.ts`, generated unless given). */
  editReply(channel: string, ts: string, text: string, editedTs?: string): void;
  /** The message is gone from its thread and the channel. */
  deleteMessage(channel: string, ts: string): void;
  /** `user` adds reaction `name` (default `+1`) on the message; `unreact` removes it. */
  react(channel: string, ts: string, user: string, name?: string): void;
  unreact(channel: string, ts: string, user: string, name?: string): void;
  /**
   * Slack's own state after the event an Events API body (or its inner event) describes: a thread reply posted,
   * edited or deleted, a reaction added or removed. Tests that deliver events keep Slack in step with it, as the
   * re-sync reads Slack back; tests that make the two diverge skip it.
   */
  applyEvent(body: unknown): void;
  /** The scopes `x-oauth-scopes` names from now on (a reinstall with other scopes). */
  setScopes(scopes: string[]): void;
  /** conversations.info's `is_member` for `channel` (default: the bot is in every channel). */
  setChannelMember(channel: string, isMember: boolean): void;
  /** What apps.connections.open answers (called with an `xapp-` token): a Socket Mode URL, or an error code. */
  setSocketModeUrl(answer: { url: string } | { error: string }): void;
  /** What users.info answers for `id`; unknown users are humans named by their id. */
  setUser(id: string, user: FakeUser): void;
  /**
   * A response_url on this fake (`<origin>/hooks/commands/…/<id>/…`): what the bot POSTs there is recorded as a
   * call of method `response_url`, its JSON body as args plus `url`.
   */
  responseUrl(id: string): string;
  /** Resolves with the first call (past or future) matching `predicate`. */
  waitFor(predicate: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  close(): Promise<void>;
}

/** Form fields WebClient JSON-encodes because their values are objects or arrays. */
const JSON_FORM_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view']);

type SlackAnswer = { status: number; body: unknown; headers?: Record<string, string> };

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botUserId = options.botUserId ?? 'UBOT';
  let grantedScopes = options.scopes ?? manifestBotScopes() ?? [];
  const notMemberOf = new Set<string>();
  let socketModeAnswer: { url: string } | { error: string } = { error: 'no_socket_mode_url' };
  const now = options.now ?? Date.now;
  const calls: SlackCall[] = [];
  /** Armed by failNext and failWhen: the earliest-armed rule that matches a call and has uses left fails it. */
  const failureRules: {
    method: string;
    match: (args: Record<string, unknown>) => boolean;
    failure: SlackFailure;
    remaining: number;
  }[] = [];

  /** Armed by failAll/failFor: each fails every matching call while it is in the set. */
  const outages = new Set<{ failure: SlackFailure; scope: FailureScope }>();
  const timers = new Set<NodeJS.Timeout>();

  function failureFor(method: string, args: Record<string, unknown>): SlackFailure | undefined {
    const rule = failureRules.find((r) => r.method === method && r.remaining > 0 && r.match(args));
    if (rule) {
      rule.remaining -= 1;
      return rule.failure;
    }
    for (const { failure, scope } of outages) {
      if (scope.methods && !scope.methods.includes(method)) continue;
      if (scope.except?.(method, args)) continue;
      return failure;
    }
    return undefined;
  }

  function later(ms: number, run: () => void) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  }
  const users = new Map<string, FakeUser>();
  const waiters = new Set<{ predicate: (call: SlackCall) => boolean; resolve: (call: SlackCall) => void }>();
  let lastTsMicros = 0;
  /** Top-level messages per channel, oldest first, for conversations.history. */
  const history = new Map<string, { ts: string; text: unknown; metadata?: unknown; user?: string }[]>();
  /** Thread replies per `channel:threadTs`, oldest first, for conversations.replies. */
  const threads = new Map<string, (FakeReply & { ts: string; threadTs: string; editedTs?: string })[]>();
  /** Reactions per `channel:ts`: reaction name → users, in the order they reacted. */
  const reactions = new Map<string, Map<string, string[]>>();
  const at = (channel: string, ts: string) => `${channel}:${ts}`;

  /** Slack ts: seconds.microseconds, strictly increasing across calls. */
  function nextTs(): string {
    lastTsMicros = Math.max(lastTsMicros + 1, now() * 1000);
    const seconds = Math.floor(lastTsMicros / 1_000_000);
    return `${seconds}.${String(lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  /** How the fake answers a call: at once, later, or not at all (`performed` says whether Slack did it). */
  type Outcome = {
    answer: SlackAnswer;
    performed: boolean;
    delayMs?: number;
    drop?: boolean;
    /** Perform the call (with this answer's arguments) only when answering, after delayMs. */
    performLate?: boolean;
  };

  function answer(method: string, args: Record<string, unknown>, authorization: string | undefined): Outcome {
    const failure = failureFor(method, args);
    if (failure && 'status' in failure && failure.status === 429) {
      const answer = {
        status: 429,
        headers: { 'retry-after': String(failure.retryAfterSec) },
        body: { ok: false, error: 'ratelimited' },
      };
      return { answer, performed: false };
    }
    const serverError = { status: 500, body: 'Internal Server Error' };
    if (failure && 'status' in failure && !failure.afterPerforming) {
      return { answer: { ...serverError, status: failure.status }, performed: false };
    }
    if (failure && 'error' in failure) {
      return { answer: { status: 200, body: { ok: false, error: failure.error } }, performed: false };
    }
    if (failure && 'dropConnection' in failure && failure.dropConnection === 'before-performing') {
      return { answer: serverError, performed: false, drop: true };
    }
    if (failure && 'slowMs' in failure && failure.performLate) {
      return { answer: serverError, performed: false, delayMs: failure.slowMs, performLate: true };
    }

    const body = authorizedAnswer(method, args, authorization);
    const performed = (body as { ok?: unknown }).ok === true;
    if (failure && 'status' in failure)
      return { answer: { ...serverError, status: failure.status }, performed };
    if (failure && 'dropConnection' in failure) return { answer: serverError, performed, drop: true };
    // Slack names the token's scopes on its answers; an app-level token's are not the bot's.
    const scopes = authorization?.startsWith('Bearer xapp-')
      ? {}
      : { headers: { 'x-oauth-scopes': grantedScopes.join(',') } };
    const ok = { status: 200, body, ...(performed && scopes) };
    if (failure && 'slowMs' in failure) return { answer: ok, performed, delayMs: failure.slowMs };
    return { answer: ok, performed };
  }

  function authorizedAnswer(
    method: string,
    args: Record<string, unknown>,
    authorization: string | undefined,
  ): Record<string, unknown> {
    if (!authorization?.startsWith('Bearer ')) return { ok: false, error: 'not_authed' };
    if (method === 'apps.connections.open') {
      if (!authorization.startsWith('Bearer xapp-')) return { ok: false, error: 'not_allowed_token_type' };
      return 'url' in socketModeAnswer
        ? { ok: true, ...socketModeAnswer }
        : { ok: false, ...socketModeAnswer };
    }
    if (options.token !== undefined && authorization !== `Bearer ${options.token}`) {
      return { ok: false, error: 'invalid_auth' };
    }
    return respond(method, args);
  }

  function respond(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake Team',
          user: 'til-bot',
          team_id: 'TFAKE',
          user_id: botUserId,
          bot_id: 'BBOT',
          is_enterprise_install: false,
        };
      case 'conversations.info': {
        if (typeof args.channel !== 'string') return { ok: false, error: 'channel_not_found' };
        const isMember = !notMemberOf.has(args.channel);
        return {
          ok: true,
          channel: { id: args.channel, name: 'til', is_channel: true, is_member: isMember },
        };
      }
      case 'chat.postMessage': {
        if (typeof args.channel !== 'string') return { ok: false, error: 'channel_not_found' };
        if (typeof args.text !== 'string' && args.blocks === undefined)
          return { ok: false, error: 'no_text' };
        const ts = nextTs();
        if (args.thread_ts === undefined) {
          const posted = history.get(args.channel) ?? [];
          posted.push({ ts, text: args.text, metadata: args.metadata });
          history.set(args.channel, posted);
        } else {
          threadOf(args.channel, String(args.thread_ts)).push({
            ts,
            threadTs: String(args.thread_ts),
            user: botUserId,
            botId: 'BBOT',
            text: String(args.text ?? ''),
          });
        }
        return {
          ok: true,
          channel: args.channel,
          ts,
          message: {
            type: 'message',
            user: botUserId,
            bot_id: 'BBOT',
            text: args.text,
            ts,
            thread_ts: args.thread_ts,
          },
        };
      }
      case 'conversations.history': {
        if (typeof args.channel !== 'string') return { ok: false, error: 'channel_not_found' };
        const oldest = Number(args.oldest ?? 0);
        const withMetadata = String(args.include_all_metadata) === 'true';
        const all = (history.get(args.channel) ?? [])
          .filter((m) => Number(m.ts) >= oldest)
          .reverse()
          .map((m) => ({
            type: 'message',
            ...(m.user ? { user: m.user } : { user: botUserId, bot_id: 'BBOT' }),
            ts: m.ts,
            text: m.text,
            ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
          }));
        // Newest first, `limit` a page (Slack's default 100), the cursor an offset.
        const limit = Number(args.limit ?? 100) || 100;
        const start = Number(args.cursor ?? 0) || 0;
        const messages = all.slice(start, start + limit);
        const hasMore = start + limit < all.length;
        return {
          ok: true,
          messages,
          has_more: hasMore,
          response_metadata: { next_cursor: hasMore ? String(start + limit) : '' },
        };
      }
      case 'conversations.replies': {
        if (typeof args.channel !== 'string' || typeof args.ts !== 'string') {
          return { ok: false, error: 'thread_not_found' };
        }
        const all = threadMessages(args.channel, args.ts);
        if (!all) return { ok: false, error: 'thread_not_found' };
        const shown = options.reactionUsersShown ?? Number.POSITIVE_INFINITY;
        // Oldest first, the parent first; the cursor an offset.
        const limit = Math.min(Number(args.limit ?? 1000) || 1000, options.repliesPageSize ?? 1000);
        const start = Number(args.cursor ?? 0) || 0;
        const hasMore = start + limit < all.length;
        return {
          ok: true,
          messages: all
            .slice(start, start + limit)
            .map((m) => withReactions(args.channel as string, m, shown)),
          has_more: hasMore,
          response_metadata: { next_cursor: hasMore ? String(start + limit) : '' },
        };
      }
      case 'reactions.get': {
        if (typeof args.channel !== 'string' || typeof args.timestamp !== 'string') {
          return { ok: false, error: 'message_not_found' };
        }
        const message = findMessage(args.channel, args.timestamp);
        if (!message) return { ok: false, error: 'message_not_found' };
        // Without full=true Slack may cut the user lists short too.
        const shown =
          String(args.full) === 'true' ? Number.POSITIVE_INFINITY : (options.reactionUsersShown ?? Infinity);
        return {
          ok: true,
          type: 'message',
          channel: args.channel,
          message: withReactions(args.channel, message, shown),
        };
      }
      case 'conversations.open': {
        const [user] = typeof args.users === 'string' ? args.users.split(',') : [];
        if (!user) return { ok: false, error: 'users_list_not_supplied' };
        return { ok: true, channel: { id: `D${user}` } };
      }
      case 'users.info': {
        if (typeof args.user !== 'string') return { ok: false, error: 'user_not_found' };
        const { name, isBot } = users.get(args.user) ?? { name: args.user, isBot: false };
        return {
          ok: true,
          user: {
            id: args.user,
            name: name.toLowerCase(),
            real_name: name,
            is_bot: isBot,
            profile: { display_name: name, real_name: name },
          },
        };
      }
      case 'views.publish': {
        const view = args.view as { type?: unknown; blocks?: unknown } | undefined;
        if (typeof args.user_id !== 'string') return { ok: false, error: 'invalid_arguments' };
        if (view?.type !== 'home' || !Array.isArray(view.blocks))
          return { ok: false, error: 'invalid_arguments' };
        return { ok: true, view: { id: `V${args.user_id}`, type: 'home', blocks: view.blocks } };
      }
      case 'chat.postEphemeral': {
        if (typeof args.channel !== 'string') return { ok: false, error: 'channel_not_found' };
        if (typeof args.user !== 'string') return { ok: false, error: 'user_not_in_channel' };
        if (typeof args.text !== 'string' && args.blocks === undefined)
          return { ok: false, error: 'no_text' };
        // Seen only by `user` and never in the history: recorded in `calls` alone.
        return { ok: true, message_ts: nextTs() };
      }
      case 'chat.getPermalink': {
        if (typeof args.channel !== 'string' || typeof args.message_ts !== 'string') {
          return { ok: false, error: 'message_not_found' };
        }
        const permalink = `https://fake.slack.com/archives/${args.channel}/p${args.message_ts.replace('.', '')}`;
        return { ok: true, channel: args.channel, permalink };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  function threadOf(channel: string, threadTs: string) {
    const key = at(channel, threadTs);
    let replies = threads.get(key);
    if (!replies) {
      replies = [];
      threads.set(key, replies);
    }
    return replies;
  }

  /** A message as Slack lists it: a top-level one (the bot's unless someone else's) or a thread reply. */
  type Listed = {
    ts: string;
    text: unknown;
    user?: string;
    botId?: string;
    threadTs?: string;
    editedTs?: string;
  };

  function threadMessages(channel: string, threadTs: string): Listed[] | undefined {
    const parent = (history.get(channel) ?? []).find((m) => m.ts === threadTs);
    const replies = threads.get(at(channel, threadTs)) ?? [];
    if (!parent && replies.length === 0) return undefined;
    const head: Listed[] = parent
      ? [
          {
            ts: parent.ts,
            text: parent.text,
            threadTs,
            ...(parent.user ? { user: parent.user } : { botId: 'BBOT' }),
          },
        ]
      : [];
    return [...head, ...[...replies].sort((a, b) => byTs(a.ts, b.ts))];
  }

  function findMessage(channel: string, ts: string): Listed | undefined {
    const top = (history.get(channel) ?? []).find((m) => m.ts === ts);
    if (top) return { ts: top.ts, text: top.text, ...(top.user ? { user: top.user } : { botId: 'BBOT' }) };
    for (const [key, replies] of threads) {
      if (!key.startsWith(`${channel}:`)) continue;
      const reply = replies.find((r) => r.ts === ts);
      if (reply) return reply;
    }
    return undefined;
  }

  /** The message in Slack's shape, with its reactions (at most `shown` users each, `count` the true number). */
  function withReactions(channel: string, m: Listed, shown: number) {
    const listed = [...(reactions.get(at(channel, m.ts)) ?? new Map<string, string[]>())]
      .filter(([, users]) => users.length > 0)
      .map(([name, users]) => ({ name, users: users.slice(0, shown), count: users.length }));
    return {
      type: 'message',
      ...(m.botId ? { user: m.user ?? botUserId, bot_id: m.botId } : { user: m.user }),
      text: m.text,
      ts: m.ts,
      ...(m.threadTs !== undefined && { thread_ts: m.threadTs }),
      ...(m.editedTs !== undefined && { edited: { user: m.user, ts: m.editedTs } }),
      ...((m as { blocks?: unknown[] }).blocks !== undefined && {
        blocks: (m as { blocks?: unknown[] }).blocks,
      }),
      ...(listed.length > 0 && { reactions: listed }),
    };
  }

  function record(call: SlackCall) {
    calls.push(call);
    for (const waiter of waiters) {
      if (waiter.predicate(call)) waiter.resolve(call);
    }
  }

  /** A response_url: no token, a JSON body, `ok` in plain text, as Slack's hooks answer. */
  async function handleHook(request: IncomingMessage, response: ServerResponse) {
    const url = request.url ?? '/';
    const args = { url, ...parseArgs(await readBody(request), 'application/json') };
    const failure = failureFor('response_url', args);
    if (failure && 'status' in failure) {
      record({ method: 'response_url', args, ok: false });
      response.writeHead(failure.status, { 'retry-after': '1' }).end('error');
      return;
    }
    record({ method: 'response_url', args, ok: true });
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    if (request.method === 'POST' && request.url?.startsWith('/hooks/')) return handleHook(request, response);
    const method = new URL(request.url ?? '/', 'http://fake').pathname.match(/^\/api\/([\w.]+)$/)?.[1];
    if (request.method !== 'POST' || method === undefined) {
      response.writeHead(404).end();
      return;
    }
    const args = parseArgs(await readBody(request), request.headers['content-type']);
    const outcome = answer(method, args, request.headers.authorization);
    if (outcome.performLate) {
      later(outcome.delayMs ?? 0, () => {
        const body = authorizedAnswer(method, args, request.headers.authorization);
        const ok = body.ok === true;
        const lost = ok && (response.destroyed || response.writableEnded);
        record({ method, args, ok, ...(lost ? { answerLost: true as const } : {}) });
        send({ status: 200, body });
      });
      return;
    }
    const { answer: reply, performed, delayMs, drop } = outcome;
    const answeredOk = reply.status === 200 && (reply.body as { ok?: unknown }).ok === true;
    const lost = performed && (drop === true || delayMs !== undefined || !answeredOk);
    record({ method, args, ok: performed || answeredOk, ...(lost ? { answerLost: true as const } : {}) });
    if (drop) {
      response.socket?.destroy();
      return;
    }
    function send(reply: SlackAnswer) {
      if (response.destroyed || response.writableEnded) return;
      const { status, body, headers } = reply;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const contentType = typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
      response.writeHead(status, { 'content-type': contentType, ...headers }).end(text);
    }
    if (delayMs === undefined) send(reply);
    else later(delayMs, () => send(reply));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeSlack = {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    failWhen(method, match, failure, times = 1) {
      failureRules.push({ method, match, failure, remaining: times });
    },
    failNext(method, failure, times = 1) {
      failureRules.push({ method, match: () => true, failure, remaining: times });
    },
    failAll(failure, scope = {}) {
      const outage = { failure, scope };
      outages.add(outage);
      return () => void outages.delete(outage);
    },
    failFor(ms, failure, scope = {}) {
      const outage = { failure, scope };
      outages.add(outage);
      later(ms, () => outages.delete(outage));
    },
    addMessage(channel, message) {
      const ts = message.ts ?? nextTs();
      const posted = history.get(channel) ?? [];
      posted.push({ ts, text: message.text, metadata: message.metadata, user: 'U0SOMEONE' });
      posted.sort((a, b) => byTs(a.ts, b.ts));
      history.set(channel, posted);
      return ts;
    },
    messagesIn(channel) {
      return (history.get(channel) ?? []).map(({ ts, text, metadata }) => ({ ts, text, metadata }));
    },
    postReply(channel, threadTs, reply) {
      const ts = reply.ts ?? nextTs();
      threadOf(channel, threadTs).push({ ...reply, ts, threadTs });
      return ts;
    },
    editReply(channel, ts, text, editedTs) {
      const reply = [...threads.values()]
        .flat()
        .find((r) => r.ts === ts && threads.has(at(channel, r.threadTs)));
      if (!reply) throw new Error(`fake Slack: no reply ${ts} in ${channel}`);
      reply.text = text;
      reply.blocks = undefined;
      reply.editedTs = editedTs ?? nextTs();
    },
    deleteMessage(channel, ts) {
      for (const [key, replies] of threads) {
        if (!key.startsWith(`${channel}:`)) continue;
        const index = replies.findIndex((r) => r.ts === ts);
        if (index >= 0) replies.splice(index, 1);
      }
      const top = history.get(channel) ?? [];
      const index = top.findIndex((m) => m.ts === ts);
      if (index >= 0) top.splice(index, 1);
      reactions.delete(at(channel, ts));
    },
    react(channel, ts, user, name = '+1') {
      const byName = reactions.get(at(channel, ts)) ?? new Map<string, string[]>();
      const users = byName.get(name) ?? [];
      if (!users.includes(user)) users.push(user);
      byName.set(name, users);
      reactions.set(at(channel, ts), byName);
    },
    unreact(channel, ts, user, name = '+1') {
      const users = reactions.get(at(channel, ts))?.get(name);
      if (users?.includes(user)) users.splice(users.indexOf(user), 1);
    },
    applyEvent(body) {
      const outer = body as { event?: Record<string, unknown> };
      const event = (outer.event ?? body) as Record<string, unknown>;
      const channel = String(event.channel ?? (event.item as { channel?: unknown } | undefined)?.channel);
      if (event.type === 'reaction_added' || event.type === 'reaction_removed') {
        const ts = String((event.item as { ts?: unknown }).ts);
        if (event.type === 'reaction_added')
          fake.react(channel, ts, String(event.user), String(event.reaction));
        else fake.unreact(channel, ts, String(event.user), String(event.reaction));
        return;
      }
      if (event.type !== 'message') return;
      if (event.subtype === 'message_deleted') {
        fake.deleteMessage(channel, String(event.deleted_ts));
        return;
      }
      if (event.subtype === 'message_changed') {
        const message = event.message as { ts: string; text?: string; edited?: { ts?: string } };
        fake.editReply(channel, message.ts, message.text ?? '', message.edited?.ts);
        return;
      }
      if (event.thread_ts === undefined || event.thread_ts === event.ts) return;
      fake.postReply(channel, String(event.thread_ts), {
        user: String(event.user),
        text: String(event.text ?? ''),
        ts: String(event.ts),
        ...(Array.isArray(event.blocks) && { blocks: event.blocks }),
      });
    },
    setScopes(scopes) {
      grantedScopes = scopes;
    },
    setChannelMember(channel, isMember) {
      if (isMember) notMemberOf.delete(channel);
      else notMemberOf.add(channel);
    },
    setSocketModeUrl(answer) {
      socketModeAnswer = answer;
    },
    setUser(id, user) {
      users.set(id, user);
    },
    responseUrl(id) {
      return `http://127.0.0.1:${port}/hooks/commands/T0TEAM/${id}/fakeSecret`;
    },
    waitFor(predicate, timeoutMs = 5_000) {
      const seen = calls.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<SlackCall>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (call: SlackCall) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(call);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const methods = calls.map((call) => call.method).join(', ') || 'none';
          reject(new Error(`fake Slack: no matching call within ${timeoutMs} ms (calls so far: ${methods})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

/** Slack ts order, exact to the microsecond (a double cannot hold every ts exactly). */
function byTs(a: string, b: string): number {
  const [as = '0', au = ''] = a.split('.');
  const [bs = '0', bu = ''] = b.split('.');
  return Number(as) - Number(bs) || Number(au.padEnd(6, '0')) - Number(bu.padEnd(6, '0'));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** WebClient posts form-urlencoded fields (objects JSON-encoded); other clients may post JSON. */
function parseArgs(body: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.startsWith('application/json'))
    return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = JSON_FORM_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}
