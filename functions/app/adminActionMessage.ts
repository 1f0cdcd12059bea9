import * as z from 'zod';
import type { OutgoingMessage } from '../adapters/queue/queue.js';
import { monthOfWeekKey, routingMonthOfTs, SLACK_TS } from '../domain/calendar.js';
import { SLACK_CHANNEL_ID, SLACK_USER_ID } from '../slack/limits.js';

const weekKey = z.string().regex(/^2\d{3}-(0[1-9]|1[0-2])-W[1-5]$/);

/** What an admin changes (`/til admin skip|unskip|extend|exclude|include`), as it travels on the queue. */
export const adminChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('skip'), weekKey }),
  z.object({ kind: z.literal('unskip'), weekKey }),
  z.object({ kind: z.literal('extend'), weekKey, deadlineMs: z.number().int().positive() }),
  z.object({
    kind: z.literal('exclude'),
    channel: z.string().regex(SLACK_CHANNEL_ID),
    replyTs: z.string().regex(SLACK_TS),
  }),
  z.object({
    kind: z.literal('include'),
    channel: z.string().regex(SLACK_CHANNEL_ID),
    replyTs: z.string().regex(SLACK_TS),
  }),
]);

export type AdminChange = z.infer<typeof adminChangeSchema>;

/**
 * An admin action on the queue: applied in the session of the month it concerns (the week's, or the reply's
 * routing month), so after every event of that month enqueued before it, and answered through the command's
 * response_url.
 */
export const adminActionMessageSchema = z.object({
  kind: z.literal('admin_action'),
  /** The queue messageId (`admin:<trigger_id>`): the audit record's id, so a redelivery records once. */
  actionId: z.string().min(1).max(128),
  actor: z.string().regex(SLACK_USER_ID),
  /** When the admin asked (the edge's clock). */
  atMs: z.number().int().nonnegative(),
  responseUrl: z.string().url().max(2_000),
  change: adminChangeSchema,
});

export type AdminActionMessage = z.infer<typeof adminActionMessageSchema>;

export const adminActionId = (triggerId: string) => `admin:${triggerId}`;

/** The month whose session and partition the change belongs to. */
export function monthOfChange(change: AdminChange, timeZone: string): string {
  return 'weekKey' in change ? monthOfWeekKey(change.weekKey) : routingMonthOfTs(change.replyTs, timeZone);
}

export function adminActionQueueMessage(
  action: Omit<AdminActionMessage, 'kind'>,
  timeZone: string,
): OutgoingMessage {
  const body: AdminActionMessage = { kind: 'admin_action', ...action };
  return {
    messageId: action.actionId,
    sessionId: monthOfChange(action.change, timeZone),
    body,
    contentType: 'application/json',
    applicationProperties: { eventType: `admin_action:${action.change.kind}` },
  };
}
