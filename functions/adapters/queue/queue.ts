/**
 * The Queue port, with the semantics of a session-enabled Service Bus queue:
 * FIFO per session, one message in flight per session, duplicate detection on messageId
 * within a window, delivery count, abandon/retry, dead letter after maxDeliveryCount.
 */

export interface OutgoingMessage {
  /** Duplicate-detection key (Slack's event_id). */
  messageId: string;
  /** Ordering key (the routing month). */
  sessionId: string;
  body: unknown;
  contentType?: string;
  applicationProperties?: Record<string, string | number | boolean>;
}

export interface ReceivedMessage extends OutgoingMessage {
  /** 1 on the first delivery. */
  deliveryCount: number;
  enqueuedTimeUtc: Date;
  sequenceNumber: number;
}

export interface QueueSender {
  send(message: OutgoingMessage): Promise<void>;
  close(): Promise<void>;
}

/** Handler outcome is implicit: resolving completes the message, throwing abandons it. */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;
export type DeadLetterHandler = (message: ReceivedMessage, reason: string) => Promise<void>;

export interface QueueConsumer {
  /** Starts delivering; sessions run in parallel up to maxConcurrentSessions, one message per session at a time. */
  start(handler: MessageHandler, onDeadLetter: DeadLetterHandler): void;
  /** Stops taking new messages and waits for in-flight ones to settle. */
  stop(): Promise<void>;
}

export interface QueueOptions {
  /** Service Bus: requiresDuplicateDetection window. */
  duplicateDetectionWindowMs: number;
  /** Service Bus: maxDeliveryCount; after this many failed deliveries the message is dead-lettered. */
  maxDeliveryCount: number;
  maxConcurrentSessions: number;
}

export const defaultQueueOptions: QueueOptions = {
  duplicateDetectionWindowMs: 10 * 60_000,
  maxDeliveryCount: 5,
  maxConcurrentSessions: 8,
};
