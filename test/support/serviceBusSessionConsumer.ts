import { setTimeout as sleep } from 'node:timers/promises';
import {
  isServiceBusError,
  type ReceiveMessagesOptions,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiverOptions,
  type ServiceBusSessionReceiverOptions,
} from '@azure/service-bus';
import type {
  DeadLetterHandler,
  MessageHandler,
  QueueConsumer,
  ReceivedMessage,
} from '../../functions/adapters/queue/queue.js';

/** The fields of a received SDK message this consumer reads (`sequenceNumber` is a `Long`). */
export type ServiceBusReceivedMessageLike = Pick<
  ServiceBusReceivedMessage,
  | 'messageId'
  | 'sessionId'
  | 'body'
  | 'contentType'
  | 'applicationProperties'
  | 'deliveryCount'
  | 'enqueuedTimeUtc'
  | 'deadLetterReason'
  | 'deadLetterErrorDescription'
> & { sequenceNumber?: { toNumber(): number } };

/** The part of the SDK's ServiceBusReceiver this consumer uses. */
export interface ServiceBusReceiverLike {
  receiveMessages(
    maxMessageCount: number,
    options?: ReceiveMessagesOptions,
  ): Promise<ServiceBusReceivedMessageLike[]>;
  completeMessage(message: ServiceBusReceivedMessageLike): Promise<void>;
  abandonMessage(message: ServiceBusReceivedMessageLike): Promise<void>;
  close(): Promise<void>;
}

/** The part of the SDK's ServiceBusClient this consumer uses; a real ServiceBusClient fits. */
export interface ServiceBusClientLike {
  acceptNextSession(
    queueName: string,
    options?: ServiceBusSessionReceiverOptions,
  ): Promise<ServiceBusReceiverLike>;
  createReceiver(queueName: string, options?: ServiceBusReceiverOptions): ServiceBusReceiverLike;
}

export interface ServiceBusSessionConsumerOptions {
  maxConcurrentSessions: number;
  /** How long a session receiver waits for another message before it lets the session go. Default 1 s. */
  sessionIdleTimeoutMs?: number;
  /** Pause after an unexpected error from Service Bus (or from onDeadLetter) before trying again. Default 1 s. */
  errorDelayMs?: number;
}

/**
 * Test support, not product code. In Azure the Functions host consumes the queue (the `process-event` and
 * `dead-letter-alert` triggers in functions/index.ts) and nothing in functions/ receives from Service Bus. This
 * QueueConsumer stands in for the host's session consumption, so that the queue contract suite
 * (test/queue/queueContract.ts) proves Service Bus semantics on the SDK surface, over the fake in
 * fakeServiceBus.ts.
 *
 * Each of maxConcurrentSessions loops locks the next available session and receives one message
 * at a time from it, so a session never has two messages in flight. A handler that throws
 * abandons its message, which Service Bus redelivers at once; once a message has been delivered
 * maxDeliveryCount times, Service Bus itself moves it to the dead-letter sub-queue. A separate loop
 * reads that sub-queue, calls onDeadLetter and only then completes the dead letter, so every dead
 * letter is announced at least once, whatever put it there and whichever host was running.
 */
export function createServiceBusSessionConsumer(
  client: ServiceBusClientLike,
  queueName: string,
  options: ServiceBusSessionConsumerOptions,
): QueueConsumer {
  const idleTimeoutMs = options.sessionIdleTimeoutMs ?? 1000;
  const errorDelayMs = options.errorDelayMs ?? 1000;
  let stopping: AbortController | undefined;
  let loops: Promise<void>[] = [];

  const pause = (signal: AbortSignal) => sleep(errorDelayMs, undefined, { signal }).catch(() => undefined);

  async function serveSessions(handler: MessageHandler, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let receiver: ServiceBusReceiverLike;
      try {
        receiver = await client.acceptNextSession(queueName, { abortSignal: signal });
      } catch (error) {
        if (signal.aborted) return;
        if (!isNoSessionAvailable(error)) {
          console.error('service bus consumer: accepting a session failed', error);
          await pause(signal);
        }
        continue;
      }
      try {
        await serveSession(receiver, handler, signal);
      } catch (error) {
        if (!signal.aborted) console.error('service bus consumer: session receive failed', error);
      } finally {
        await closeQuietly(receiver);
      }
    }
  }

  async function serveSession(
    receiver: ServiceBusReceiverLike,
    handler: MessageHandler,
    signal: AbortSignal,
  ): Promise<void> {
    while (!signal.aborted) {
      const [message] = await receiver.receiveMessages(1, {
        maxWaitTimeInMs: idleTimeoutMs,
        abortSignal: signal,
      });
      if (!message) return;
      try {
        await handler(toReceivedMessage(message));
      } catch {
        await receiver.abandonMessage(message);
        continue;
      }
      await receiver.completeMessage(message);
    }
  }

  async function announceDeadLetters(onDeadLetter: DeadLetterHandler, signal: AbortSignal): Promise<void> {
    const receiver = client.createReceiver(queueName, { subQueueType: 'deadLetter' });
    try {
      while (!signal.aborted) {
        try {
          const [message] = await receiver.receiveMessages(1, {
            maxWaitTimeInMs: idleTimeoutMs,
            abortSignal: signal,
          });
          if (!message) continue;
          await announce(receiver, message, onDeadLetter);
        } catch (error) {
          if (signal.aborted) return;
          console.error('service bus consumer: announcing a dead letter failed', error);
          await pause(signal);
        }
      }
    } finally {
      await closeQuietly(receiver);
    }
  }

  async function announce(
    receiver: ServiceBusReceiverLike,
    message: ServiceBusReceivedMessageLike,
    onDeadLetter: DeadLetterHandler,
  ): Promise<void> {
    const reason = [message.deadLetterReason, message.deadLetterErrorDescription].filter(Boolean).join(': ');
    try {
      await onDeadLetter(toReceivedMessage(message), reason);
    } catch (error) {
      await receiver.abandonMessage(message);
      throw error;
    }
    await receiver.completeMessage(message);
  }

  return {
    start(handler, onDeadLetter) {
      if (stopping) throw new Error('queue consumer is already started');
      const controller = new AbortController();
      stopping = controller;
      loops = [
        ...Array.from({ length: options.maxConcurrentSessions }, () =>
          serveSessions(handler, controller.signal),
        ),
        announceDeadLetters(onDeadLetter, controller.signal),
      ];
    },
    async stop() {
      // Aborts only the waits for a session or a message; a handler in flight finishes and is settled.
      stopping?.abort();
      await Promise.all(loops);
      stopping = undefined;
      loops = [];
    },
  };
}

async function closeQuietly(receiver: ServiceBusReceiverLike): Promise<void> {
  await receiver
    .close()
    .catch((error: unknown) => console.error('service bus consumer: close failed', error));
}

/** What acceptNextSession throws when no session has messages before its timeout. */
function isNoSessionAvailable(error: unknown): boolean {
  return (
    isServiceBusError(error) && (error.code === 'ServiceTimeout' || error.code === 'SessionCannotBeLocked')
  );
}

function toReceivedMessage(message: ServiceBusReceivedMessageLike): ReceivedMessage {
  return {
    messageId: String(message.messageId),
    sessionId: String(message.sessionId),
    body: message.body,
    contentType: message.contentType,
    applicationProperties: message.applicationProperties as ReceivedMessage['applicationProperties'],
    // The JavaScript SDK surfaces the raw AMQP delivery-count header: prior deliveries, 0 on the first.
    deliveryCount: (message.deliveryCount ?? 0) + 1,
    enqueuedTimeUtc: message.enqueuedTimeUtc ?? new Date(),
    sequenceNumber: message.sequenceNumber?.toNumber() ?? 0,
  };
}
