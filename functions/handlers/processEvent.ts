import { ConflictError, type Store } from '../adapters/store/store.js';
import type { AdminAlerts } from '../app/adminAlerts.js';
import { type DeadLetterDoc, deadLetterDocId, deadLetterPartition } from '../app/documents.js';
import type { EventProcessor, ProcessOutcome } from '../app/eventProcessor.js';
import { describeError, type Logger } from '../app/logger.js';

export interface Delivery {
  messageId: string;
  deliveryCount: number;
}

/** A message the queue gave up on, as the dead-letter trigger (or the embedded queue) hands it over. */
export interface DeadLetter extends Delivery {
  /** Its session, so a replay goes back into it (absent when the host does not say). */
  sessionId?: string;
  body: unknown;
  reason: string;
  description?: string;
}

/** Thrown when a dead letter was kept but no admin could be told: the trigger then retries the alert later. */
export class AlertNotDeliveredError extends Error {
  constructor(messageId: string, admins: number) {
    super(`dead letter ${messageId} is kept, but none of the ${admins} admins could be told; will retry`);
    this.name = 'AlertNotDeliveredError';
  }
}

/**
 * The queue consumer's body, for the Service Bus trigger and the embedded queue alike. Throwing abandons the
 * message so the queue retries it; after maxDeliveryCount it is dead-lettered and `deadLettered` keeps and
 * reports it.
 */
/** The body as JSON text; one that cannot be written as JSON (too deep, cyclic) is described instead. */
function bodyText(body: unknown): string {
  try {
    return JSON.stringify(body) ?? 'null';
  } catch (error) {
    return JSON.stringify({ unserializable: describeError(error) });
  }
}

export function createProcessEventHandler(deps: {
  processor: EventProcessor;
  alerts: AdminAlerts;
  store: Store;
  channelId: string;
  log: Logger;
  now: () => number;
}) {
  const { processor, alerts, store, log } = deps;
  const pk = deadLetterPartition(deps.channelId);
  return {
    async process(body: unknown, delivery: Delivery): Promise<ProcessOutcome> {
      try {
        return await processor.process(body);
      } catch (error) {
        // No alert here: Slack's failures never reach this point (they stay in the outbox, and alert only when
        // given up), and a message that keeps failing is reported once, when it is dead-lettered.
        log.warn(
          `process-event ${delivery.messageId} delivery ${delivery.deliveryCount} failed: ${describeError(error)}`,
        );
        throw error;
      }
    },

    /**
     * Copies the dead letter into the store first (a store failure throws, so the queue keeps its copy), then
     * tells the admins once (the alert is a document of its own, retried by the sweep until delivered). When
     * admins are configured and none could be told yet, it throws after keeping the copy, so the trigger
     * delivers the dead letter again and the alert is tried again then too.
     */
    async deadLettered(letter: DeadLetter): Promise<void> {
      const id = deadLetterDocId(letter.messageId);
      const doc: DeadLetterDoc = {
        id,
        pk,
        type: 'deadLetter',
        messageId: letter.messageId,
        ...(letter.sessionId && { sessionId: letter.sessionId }),
        bodyJson: bodyText(letter.body),
        reason: letter.reason,
        ...(letter.description && { description: letter.description }),
        deliveries: letter.deliveryCount,
        deadLetteredAt: new Date(deps.now()).toISOString(),
      };
      let kept = await store.create(doc).catch(async (error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
        return (await store.read<DeadLetterDoc>(pk, id))!;
      });
      if (kept.doc.alertedAt) return;
      const told = await alerts.deadLettered({
        eventId: letter.messageId,
        deliveries: letter.deliveryCount,
        reason: letter.description ? `${letter.reason}: ${letter.description}` : letter.reason,
      });
      if (told === 0 && alerts.admins > 0) throw new AlertNotDeliveredError(letter.messageId, alerts.admins);
      kept = await store.replace({ ...kept.doc, alertedAt: new Date(deps.now()).toISOString() }, kept.etag);
    },
  };
}
