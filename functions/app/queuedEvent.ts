import { z } from 'zod';

/** What slack-events puts on the queue: Slack's event id and the raw inner event, normalised by the consumer. */
export const queuedEventSchema = z.object({
  eventId: z.string().min(1),
  event: z.looseObject({ type: z.string() }),
});

export type QueuedEvent = z.infer<typeof queuedEventSchema>;
