import type { TokenCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import type { OutgoingMessage, QueueSender } from './queue.js';

/** The part of the SDK sender this adapter uses. */
export type ServiceBusSenderLike = Pick<ServiceBusSender, 'sendMessages' | 'close'>;

/**
 * QueueSender over a Service Bus queue with sessions and duplicate detection on: the queue itself
 * drops a messageId it has seen within its window, so a duplicate send simply succeeds.
 */
export function createServiceBusSender(sender: ServiceBusSenderLike): QueueSender {
  return {
    send: (message) => sender.sendMessages(toServiceBusMessage(message)),
    close: () => sender.close(),
  };
}

/** Connects with a token credential (managed identity in Azure), never a connection string with a key. */
createServiceBusSender.fromNamespace = (
  fullyQualifiedNamespace: string,
  queueName: string,
  credential: TokenCredential,
): QueueSender => {
  const client = new ServiceBusClient(fullyQualifiedNamespace, credential);
  const sender = createServiceBusSender(client.createSender(queueName));
  return {
    send: sender.send,
    close: async () => {
      await sender.close();
      await client.close();
    },
  };
};

function toServiceBusMessage({ applicationProperties, ...message }: OutgoingMessage): ServiceBusMessage {
  return {
    messageId: message.messageId,
    sessionId: message.sessionId,
    body: message.body,
    contentType: message.contentType ?? 'application/json',
    ...(applicationProperties && { applicationProperties }),
  };
}
