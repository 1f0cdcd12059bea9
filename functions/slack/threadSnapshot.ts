/**
 * A thread read from Slack (`conversations.replies` pages, `reactions.get` where a page's reactor lists are cut
 * short), validated here at the edge and read by the very rules the consumer reads events with (normalizeEvent):
 * a message the consumer would ignore as an event (a bot's, the app's, another subtype) is no reply here either.
 */
import * as z from 'zod';
import { isThumbsUp } from '../domain/links.js';
import type { SnapshotReply } from '../domain/resync.js';
import type { SlackTs, UserId } from '../domain/types.js';
import { messageSchema, type NormalizeContext, normalizeEvent } from './envelope.js';
import { SLACK_USER_ID } from './limits.js';
import { MAX_TEXT_CHARS } from './slimEvent.js';

const reactionSchema = z.object({
  name: z.string(),
  // Slack may list fewer users than `count` (the rest through reactions.get); an id that is no Slack user id is
  // not one of them.
  users: z
    .array(z.string())
    .optional()
    .transform((users) => (users ?? []).filter((user) => SLACK_USER_ID.test(user))),
  count: z.number().int().nonnegative().optional(),
});
export type SlackReaction = z.infer<typeof reactionSchema>;

const threadMessageSchema = messageSchema.extend({ reactions: z.array(reactionSchema).optional() });
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

/** A listed message: parsed, or only its ts when it is not a message the rules read (kept so it is not "gone"). */
export type ListedMessage = { ts: SlackTs; message?: ThreadMessage };

const tsOnly = z.object({ ts: z.string() });

/** One page's `messages` as Slack sent them. */
export function parseThreadMessages(raw: unknown): ListedMessage[] {
  const messages = Array.isArray(raw) ? raw : [];
  const listed: ListedMessage[] = [];
  for (const item of messages) {
    const parsed = threadMessageSchema.safeParse(item);
    if (parsed.success) listed.push({ ts: parsed.data.ts, message: parsed.data });
    else {
      const ts = tsOnly.safeParse(item);
      if (ts.success) listed.push({ ts: ts.data.ts });
    }
  }
  return listed;
}

/** `reactions.get`'s `message.reactions`, complete (asked with full=true). */
export function parseReactions(raw: unknown): SlackReaction[] {
  const parsed = z.array(reactionSchema).safeParse(raw);
  return parsed.success ? parsed.data : [];
}

/** The 👍 reactions on a message list fewer users than reacted: the full list must be asked for. */
export function thumbsUpCutShort(message: ThreadMessage): boolean {
  return (message.reactions ?? []).some(
    (r) => isThumbsUp(r.name) && r.count !== undefined && r.count > r.users.length,
  );
}

/** Distinct users with a 👍 of any skin tone. */
export function thumbsUpUsers(reactions: readonly SlackReaction[]): UserId[] {
  return [...new Set(reactions.filter((r) => isThumbsUp(r.name)).flatMap((r) => r.users))].sort();
}

/**
 * A member's reply in `threadTs`, as the consumer would read the same message delivered as an event (an edited one
 * as its edit), or undefined for the thread's parent, a bot's or the app's message, or another subtype.
 */
export function snapshotReplyOf(
  message: ThreadMessage,
  threadTs: SlackTs,
  ctx: NormalizeContext,
): SnapshotReply | undefined {
  if (message.ts === threadTs || message.thread_ts !== threadTs) return undefined;
  const { reactions, ...rest } = message;
  const slim = { ...rest, text: rest.text?.slice(0, MAX_TEXT_CHARS) };
  const event = message.edited
    ? {
        type: 'message',
        subtype: 'message_changed',
        channel: ctx.channelId,
        ts: message.edited.ts,
        message: slim,
      }
    : { type: 'message', channel: ctx.channelId, ...slim };
  const normalized = normalizeEvent(event, 'snapshot', ctx);
  if ('ignored' in normalized) return undefined;
  const read = normalized.event;
  if (read.kind !== 'message_posted' && read.kind !== 'message_edited') return undefined;
  return {
    ts: read.ts,
    user: read.user,
    threadTs,
    content: read.content,
    thumbsUp: thumbsUpUsers(reactions ?? []),
  };
}
