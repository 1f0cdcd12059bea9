import * as z from 'zod';
import type { OutgoingMessage } from '../adapters/queue/queue.js';
import { SLACK_TS, weekOfInstant } from '../domain/calendar.js';
import type { MemberAction } from '../domain/memberAction.js';
import type { Week } from '../domain/types.js';
import { SLACK_USER_ID } from '../slack/limits.js';
import { adminActionMessageSchema } from './adminActionMessage.js';

/** What slack-events puts on the queue: Slack's event id and the raw inner event, normalised by the consumer. */
export const queuedEventSchema = z.object({
  eventId: z.string().min(1),
  event: z.looseObject({ type: z.string() }),
});

export type QueuedEvent = z.infer<typeof queuedEventSchema>;

/**
 * What the weekly job puts on the queue once a thread is recorded: replies stored before that join the week.
 * It travels in the week's session, behind every reply enqueued before the record, so the adoption is ordered
 * with the replies and retried, dead-lettered and alerted like any event.
 */
export const threadRecordedSchema = z.object({
  kind: z.literal('thread_recorded'),
  threadTs: z.string().regex(SLACK_TS),
  weekKey: z.string(),
});

export type ThreadRecorded = z.infer<typeof threadRecordedSchema>;

/**
 * A member's action (`/til pass`, an App Home button): applied in the session of the month of the week it
 * concerns, after every reply of theirs enqueued before it. `reply` says where its answer goes: the command's
 * response_url, or the member's App Home (home-tab clicks have no response_url), re-published with it.
 */
export const memberActionMessageSchema = z.object({
  kind: z.literal('member_action'),
  action: z.enum(['pass', 'pass_undo', 'remind_on', 'remind_off']),
  userId: z.string().regex(SLACK_USER_ID),
  /** When the member asked (the edge's clock): the week asked about is this instant's, whenever it is applied. */
  atMs: z.number().int().nonnegative(),
  /** The queue messageId, derived from Slack's ids (`command:<trigger_id>`): a redelivery answers as the first. */
  actionId: z.string().min(1),
  reply: z.discriminatedUnion('to', [
    z.object({ to: z.literal('response_url'), url: z.string().url() }),
    z.object({ to: z.literal('home') }),
  ]),
});

export type MemberActionMessage = z.infer<typeof memberActionMessageSchema>;

export const queuedMessageSchema = z.union([
  threadRecordedSchema,
  memberActionMessageSchema,
  adminActionMessageSchema,
  queuedEventSchema,
]);

export type QueuedMessage = z.infer<typeof queuedMessageSchema>;

const schemaOfKind: Record<string, z.ZodType<QueuedMessage>> = {
  thread_recorded: threadRecordedSchema,
  member_action: memberActionMessageSchema,
  admin_action: adminActionMessageSchema,
};

/**
 * queuedMessageSchema.parse, without trying every member of the union on every message (most are Slack events,
 * the union's last member): the one schema the body's `kind` names first, and the union itself (its result and
 * its error) for anything that does not pass it.
 */
export function parseQueuedMessage(body: unknown): QueuedMessage {
  const kind = typeof body === 'object' && body !== null ? (body as { kind?: unknown }).kind : undefined;
  const likely =
    typeof kind === 'string' && Object.hasOwn(schemaOfKind, kind) ? schemaOfKind[kind]! : undefined;
  const parsed = (likely ?? queuedEventSchema).safeParse(body);
  return parsed.success ? parsed.data : queuedMessageSchema.parse(body);
}

/** The queue message of a member's action: in the session of the month of the week of `atMs`. */
export function memberActionMessage(
  action: Required<MemberAction>,
  reply: MemberActionMessage['reply'],
  timeZone: string,
): OutgoingMessage {
  const body: MemberActionMessage = { kind: 'member_action', ...action, reply };
  return {
    messageId: action.actionId,
    sessionId: weekOfInstant(action.atMs, timeZone).month,
    body,
    contentType: 'application/json',
    applicationProperties: { eventType: `member_action:${action.action}` },
  };
}

/** Its queue message id: unique per thread, and what logs and admin alerts name it by. */
export const threadRecordedMessageId = (threadTs: string) => `thread-recorded:${threadTs}`;

export function threadRecordedMessage(threadTs: string, week: Week): OutgoingMessage {
  const body: ThreadRecorded = { kind: 'thread_recorded', threadTs, weekKey: week.key };
  return {
    messageId: threadRecordedMessageId(threadTs),
    sessionId: week.month,
    body,
    contentType: 'application/json',
    applicationProperties: { eventType: 'thread_recorded' },
  };
}
