import { SlackCallError } from '../adapters/slack/webApiSlack.js';
import type { AdminAlerts } from '../app/adminAlerts.js';
import type { EventProcessor, ProcessOutcome } from '../app/eventProcessor.js';
import { describeError, type Logger } from '../app/logger.js';

export interface Delivery {
  messageId: string;
  deliveryCount: number;
}

/**
 * The queue consumer's body, for the Service Bus trigger and the embedded queue alike. Throwing abandons the
 * message so the queue retries it; after maxDeliveryCount it is dead-lettered and `deadLettered` alerts.
 */
export function createProcessEventHandler(deps: {
  processor: EventProcessor;
  alerts: AdminAlerts;
  log: Logger;
}) {
  const { processor, alerts, log } = deps;
  return {
    async process(body: unknown, delivery: Delivery): Promise<ProcessOutcome> {
      try {
        return await processor.process(body);
      } catch (error) {
        log.warn(
          `process-event ${delivery.messageId} delivery ${delivery.deliveryCount} failed: ${describeError(error)}`,
        );
        // Slack refusing a call after its own retries is worth a word at once; later deliveries stay quiet
        // and the dead-letter alert reports the end.
        if (error instanceof SlackCallError && delivery.deliveryCount === 1) {
          await alerts.slackCallFailed({
            method: error.method,
            reason: error.code,
            eventId: delivery.messageId,
          });
        }
        throw error;
      }
    },
    async deadLettered(delivery: Delivery, reason: string): Promise<void> {
      await alerts.deadLettered({ eventId: delivery.messageId, deliveries: delivery.deliveryCount, reason });
    },
  };
}
