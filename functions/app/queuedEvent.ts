import { z } from 'zod';
import type { OutgoingMessage } from '../adapters/queue/queue.js';
import { SLACK_TS } from '../domain/calendar.js';
import type { Week } from '../domain/types.js';

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

export const queuedMessageSchema = z.union([threadRecordedSchema, queuedEventSchema]);

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
