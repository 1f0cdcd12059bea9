/**
 * An Events API envelope, whatever carried it (HTTP in handlers/slackEvents.ts, Socket Mode in
 * local/socketMode.ts): validated, routed and enqueued with Slack's event_id as the messageId, so the same event
 * arriving both ways, or retried, is one queue message. Resolves once the message is durable; a queue failure
 * rejects, and the transport then does not acknowledge, so Slack delivers it again.
 */
import type { QueueSender } from '../adapters/queue/queue.js';
import type { QueuedEvent } from '../app/queuedEvent.js';
import { routingMonthOfTs } from '../domain/calendar.js';
import { parseEnvelope } from './envelope.js';
import { slimEvent } from './slimEvent.js';

export type EventReceipt =
  | { kind: 'challenge'; challenge: string }
  | { kind: 'enqueued'; eventId: string; eventType: string; sessionId: string }
  /** Nothing to enqueue and nothing wrong (Slack's app_rate_limited notice). */
  | { kind: 'notice'; message: string }
  /** Not an envelope Slack sends: HTTP answers 400. */
  | { kind: 'rejected'; error: string };

export interface EventReceiverDeps {
  timeZone: string;
  queue: QueueSender;
}

export function createEventReceiver(deps: EventReceiverDeps) {
  return async function receive(json: unknown, delivery: { retryNum: number }): Promise<EventReceipt> {
    // Slack tells us it is rate-limiting its deliveries to this app; nothing to enqueue, nothing to retry.
    if ((json as { type?: unknown } | null)?.type === 'app_rate_limited') {
      return { kind: 'notice', message: 'Slack reports app_rate_limited; some events were not delivered' };
    }
    const envelope = parseEnvelope(json);
    if (!envelope.ok) return { kind: 'rejected', error: envelope.error };
    if (envelope.value.type === 'url_verification') {
      return { kind: 'challenge', challenge: envelope.value.challenge };
    }
    const { eventId, event, routingTs } = envelope.value;
    const sessionId = routingMonthOfTs(routingTs, deps.timeZone);
    const body: QueuedEvent = { eventId, event: slimEvent(event) };
    await deps.queue.send({
      messageId: eventId,
      sessionId,
      body,
      contentType: 'application/json',
      applicationProperties: { eventType: String(event.type), retryNum: delivery.retryNum },
    });
    return { kind: 'enqueued', eventId, eventType: String(event.type), sessionId };
  };
}

export type EventReceiver = ReturnType<typeof createEventReceiver>;
