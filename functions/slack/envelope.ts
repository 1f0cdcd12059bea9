/**
 * The Slack Events API at the edge: the HTTP handler validates the outer envelope and routes by the target
 * message's ts; the consumer turns the raw inner event into a ChallengeEvent (or a reason to ignore it).
 */
import * as z from 'zod';
import { SLACK_TS, tsToMs } from '../domain/calendar.js';
import { isThumbsUp } from '../domain/links.js';
import type { ChallengeEvent, MessageContent, SlackTs } from '../domain/types.js';
import { acceptedEnvelope, LATEST_SECONDS } from './envelopeFastPath.js';
import { EVENT_ID, MAX_TS_CHARS, SLACK_CHANNEL_ID, SLACK_USER_ID } from './limits.js';

/** The inner event as Slack sent it: kept raw so the consumer, not the HTTP handler, decides what it means. */
export type RawSlackEvent = { type: string } & Record<string, unknown>;

export type Envelope =
  | { type: 'url_verification'; challenge: string }
  | {
      type: 'event_callback';
      eventId: string;
      /** routingTsOf(event): the ts whose week and month the event belongs to. */
      routingTs: SlackTs;
      event: RawSlackEvent;
    };

/** `error` says why the HTTP handler answers 400. */
export type ParsedEnvelope = { ok: true; value: Envelope } | { ok: false; error: string };

/**
 * "1793577600.000100": a ts the calendar reads (its own pattern, at most six decimals) of an instant it can place
 * in a week. Anything else would make the domain throw: at the edge a 500 instead of a 400, in the consumer a
 * retried then dead-lettered message instead of an ignored one.
 */
const tsSchema = z
  .string()
  .max(MAX_TS_CHARS, { message: 'is not a Slack ts', abort: true })
  .regex(SLACK_TS, { message: 'is not a Slack ts', abort: true })
  .refine((ts) => tsToMs(ts) <= LATEST_SECONDS * 1000, 'is after year 9999');
const optionalTs = tsSchema.optional();
const userIdSchema = z.string().regex(SLACK_USER_ID, 'is not a Slack user id');
const channelIdSchema = z.string().regex(SLACK_CHANNEL_ID, 'is not a Slack channel id');

/** Any object with a string `type`: built once (a zod schema is costly to build and to first run). */
const typedSchema = z.object({ type: z.string() });

const envelopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string() }),
  z.object({
    type: z.literal('event_callback'),
    event_id: z.string().regex(EVENT_ID, 'must be 1 to 128 printable characters, as Slack event ids are'),
    /** Epoch seconds; routes an event about no message, so it must be an instant the calendar can place. */
    event_time: z.number().int().positive().max(LATEST_SECONDS).optional(),
    event: z.looseObject({ type: z.string() }),
  }),
]);

export function parseEnvelope(json: unknown): ParsedEnvelope {
  // What Slack sends is checked by hand (envelopeFastPath.ts, held to these schemas by its tests); the schemas
  // decide the rest and say what is wrong.
  const accepted = acceptedEnvelope(json);
  if (accepted) return { ok: true, value: accepted };
  return parseEnvelopeWithSchemas(json);
}

/** parseEnvelope by the schemas alone: the definition, and the source of every rejection's message. */
export function parseEnvelopeWithSchemas(json: unknown): ParsedEnvelope {
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    const type = typedSchema.safeParse(json);
    if (type.success && type.data.type !== 'url_verification' && type.data.type !== 'event_callback') {
      return { ok: false, error: `unknown envelope type ${type.data.type}` };
    }
    return { ok: false, error: `malformed envelope: ${firstIssue(parsed.error)}` };
  }
  const envelope = parsed.data;
  if (envelope.type === 'url_verification') return { ok: true, value: envelope };
  const routing = routingOf(envelope.event);
  if (!routing.ok) return { ok: false, error: `malformed envelope: event.${routing.error}` };
  // Events about no message (app_uninstalled, tokens_revoked…) carry no ts: route them by event_time, so they
  // are accepted and then ignored by the consumer like any other event it does not handle.
  const aboutNoMessage = !('ts' in envelope.event) && !('event_ts' in envelope.event);
  const routingTs =
    routing.ts ??
    (aboutNoMessage && envelope.event_time !== undefined ? `${envelope.event_time}.000000` : undefined);
  if (routingTs === undefined)
    return {
      ok: false,
      error: `malformed envelope: ${envelope.event.type} event without a ts or event_time`,
    };
  return {
    ok: true,
    value: {
      type: 'event_callback',
      eventId: envelope.event_id,
      routingTs,
      event: envelope.event,
    },
  };
}

export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || '(root)'} ${issue?.message}`;
}

/**
 * The fields routing and the consumer read, by event type. Each may be absent, but one that is present must be
 * what Slack sends there: a message whose own ts is garbled is malformed, not something to route by its event_ts
 * instead, and a user or channel that is no Slack id (`__proto__`) was not sent by Slack.
 */
const messageRoutingSchema = z.object({
  subtype: z.string().optional().catch(undefined),
  user: userIdSchema.optional(),
  channel: channelIdSchema.optional(),
  ts: optionalTs,
  event_ts: optionalTs,
  deleted_ts: optionalTs,
  message: z.object({ ts: optionalTs, user: userIdSchema.optional() }).optional(),
});
const reactionRoutingSchema = z.object({
  user: userIdSchema.optional(),
  item_user: userIdSchema.optional(),
  item: z.object({ ts: optionalTs, channel: channelIdSchema.optional() }).optional(),
  event_ts: optionalTs,
});
const otherRoutingSchema = z.object({ event_ts: optionalTs });

type Routing = { ok: true; ts: SlackTs | undefined } | { ok: false; error: string };

/** The routing ts of an event (undefined if it carries none), or the first of its ts fields that is no ts. */
function routingOf(rawEvent: unknown): Routing {
  const failed = (error: z.ZodError): Routing => ({ ok: false, error: firstIssue(error) });
  const type = typedSchema.safeParse(rawEvent);
  if (!type.success) return failed(type.error);
  switch (type.data.type) {
    case 'message': {
      const parsed = messageRoutingSchema.safeParse(rawEvent);
      if (!parsed.success) return failed(parsed.error);
      const event = parsed.data;
      if (event.subtype === 'message_changed') return { ok: true, ts: event.message?.ts ?? event.event_ts };
      if (event.subtype === 'message_deleted') return { ok: true, ts: event.deleted_ts ?? event.event_ts };
      return { ok: true, ts: event.ts ?? event.event_ts };
    }
    case 'reaction_added':
    case 'reaction_removed': {
      const parsed = reactionRoutingSchema.safeParse(rawEvent);
      if (!parsed.success) return failed(parsed.error);
      return { ok: true, ts: parsed.data.item?.ts ?? parsed.data.event_ts };
    }
    default: {
      const parsed = otherRoutingSchema.safeParse(rawEvent);
      if (!parsed.success) return failed(parsed.error);
      return { ok: true, ts: parsed.data.event_ts };
    }
  }
}

/**
 * The ts of the message an event is about, so a reply, its edits, its deletion and every reaction on it are
 * routed to the same month. Undefined when Slack sent none of the expected fields, or one of them not as a ts.
 */
export function routingTsOf(rawEvent: unknown): SlackTs | undefined {
  const routing = routingOf(rawEvent);
  return routing.ok ? routing.ts : undefined;
}

export interface NormalizeContext {
  channelId: string;
  /** The app's own bot user (auth.test); undefined in dry run. */
  botUserId?: string;
}

export type Normalized = { event: ChallengeEvent } | { ignored: string };

/** Subtypes that are a member's own message: plain, "also send to channel", with a file. */
const MEMBER_MESSAGE_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

export const messageSchema = z.object({
  subtype: z.string().optional(),
  user: userIdSchema.optional(),
  bot_id: z.string().optional(),
  text: z.string().optional(),
  ts: tsSchema,
  thread_ts: optionalTs,
  edited: z.object({ ts: tsSchema }).optional(),
  blocks: z.array(z.unknown()).optional(),
  attachments: z.array(z.unknown()).optional(),
});
export type SlackMessage = z.infer<typeof messageSchema>;

const messageEventSchema = z.object({
  type: z.literal('message'),
  subtype: z.string().optional(),
  channel: z.string(),
  event_ts: optionalTs,
});
const postedSchema = messageSchema.extend({ channel: z.string(), event_ts: optionalTs });
const changedSchema = z.object({
  channel: z.string(),
  ts: tsSchema,
  event_ts: optionalTs,
  message: messageSchema,
});
const deletedSchema = z.object({
  channel: z.string(),
  ts: tsSchema,
  event_ts: optionalTs,
  deleted_ts: tsSchema,
});
const reactionSchema = z.object({
  type: z.enum(['reaction_added', 'reaction_removed']),
  user: userIdSchema,
  reaction: z.string(),
  item: z.object({ type: z.string(), channel: z.string().optional(), ts: optionalTs }),
  event_ts: tsSchema,
});

export function normalizeEvent(rawEvent: unknown, eventId: string, ctx: NormalizeContext): Normalized {
  const type = typedSchema.safeParse(rawEvent);
  if (!type.success) return { ignored: 'event without a type' };
  switch (type.data.type) {
    case 'message':
      return normalizeMessageEvent(rawEvent, eventId, ctx);
    case 'reaction_added':
    case 'reaction_removed':
      return normalizeReaction(rawEvent, eventId, ctx);
    default:
      return { ignored: `unsupported event type ${type.data.type}` };
  }
}

function normalizeMessageEvent(rawEvent: unknown, eventId: string, ctx: NormalizeContext): Normalized {
  const header = messageEventSchema.safeParse(rawEvent);
  if (!header.success) return { ignored: 'malformed message event' };
  const { subtype, channel } = header.data;
  if (channel !== ctx.channelId) return { ignored: 'other channel' };

  if (subtype === 'message_changed') {
    const parsed = changedSchema.safeParse(rawEvent);
    if (!parsed.success) return { ignored: 'malformed message_changed event' };
    const { message, event_ts, ts } = parsed.data;
    const author = authorOf(message, ctx);
    if ('ignored' in author) return author;
    return {
      event: {
        kind: 'message_edited',
        eventId,
        eventTs: event_ts ?? ts,
        channel,
        ts: message.ts,
        ...threadOf(message),
        user: author.user,
        // An unfurl also arrives as message_changed, without `edited`: it is the original version.
        content: contentOf(message, message.edited?.ts ?? message.ts),
      },
    };
  }

  if (subtype === 'message_deleted') {
    const parsed = deletedSchema.safeParse(rawEvent);
    if (!parsed.success) return { ignored: 'malformed message_deleted event' };
    const { deleted_ts, event_ts, ts } = parsed.data;
    return { event: { kind: 'message_deleted', eventId, eventTs: event_ts ?? ts, channel, ts: deleted_ts } };
  }

  const parsed = postedSchema.safeParse(rawEvent);
  if (!parsed.success) return { ignored: 'malformed message event' };
  const message = parsed.data;
  const author = authorOf(message, ctx);
  if ('ignored' in author) return author;
  return {
    event: {
      kind: 'message_posted',
      eventId,
      eventTs: message.event_ts ?? message.ts,
      channel,
      ts: message.ts,
      ...threadOf(message),
      user: author.user,
      content: contentOf(message, message.ts),
    },
  };
}

/** The member who wrote the message, or why it is not a member's own message. */
function authorOf(message: SlackMessage, ctx: NormalizeContext): { user: string } | { ignored: string } {
  if (message.bot_id !== undefined || message.subtype === 'bot_message') return { ignored: 'bot message' };
  if (!MEMBER_MESSAGE_SUBTYPES.has(message.subtype)) {
    return { ignored: `unsupported event type message/${message.subtype}` };
  }
  if (!message.user) return { ignored: 'message without a user' };
  if (message.user === ctx.botUserId) return { ignored: "the app's own message" };
  return { user: message.user };
}

/** A thread parent carries thread_ts === ts; only a reply gets a threadTs. */
function threadOf(message: SlackMessage): { threadTs?: SlackTs } {
  return message.thread_ts !== undefined && message.thread_ts !== message.ts
    ? { threadTs: message.thread_ts }
    : {};
}

function contentOf(message: SlackMessage, versionTs: SlackTs): MessageContent {
  return { text: message.text ?? '', blockUrls: linkUrlsOf(message), versionTs };
}

/** URLs of rich-text `link` elements at any depth, then of link unfurls (attachments). */
export function linkUrlsOf(message: SlackMessage): string[] {
  const urls = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const { type, url, elements } = node as { type?: unknown; url?: unknown; elements?: unknown };
    if (type === 'link' && typeof url === 'string') urls.add(url);
    walk(elements);
  };
  walk(message.blocks);
  for (const attachment of message.attachments ?? []) {
    if (typeof attachment !== 'object' || attachment === null) continue;
    const { from_url, original_url } = attachment as { from_url?: unknown; original_url?: unknown };
    if (typeof from_url === 'string') urls.add(from_url);
    if (typeof original_url === 'string') urls.add(original_url);
  }
  return [...urls];
}

function normalizeReaction(rawEvent: unknown, eventId: string, ctx: NormalizeContext): Normalized {
  const parsed = reactionSchema.safeParse(rawEvent);
  if (!parsed.success) return { ignored: 'malformed reaction event' };
  const { type, user, reaction, item, event_ts } = parsed.data;
  if (item.type !== 'message' || item.ts === undefined) return { ignored: 'reaction not on a message' };
  if (item.channel !== ctx.channelId) return { ignored: 'other channel' };
  if (!isThumbsUp(reaction)) return { ignored: 'not a thumbs-up' };
  if (user === ctx.botUserId) return { ignored: "the app's own reaction" };
  return {
    event: {
      kind: 'reaction',
      eventId,
      eventTs: event_ts,
      channel: item.channel,
      itemTs: item.ts,
      user,
      added: type === 'reaction_added',
    },
  };
}
