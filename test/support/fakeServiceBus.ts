import { randomUUID } from 'node:crypto';
import {
  type ReceiveMessagesOptions,
  ServiceBusError,
  type ServiceBusMessage,
  type ServiceBusReceiverOptions,
  type ServiceBusSessionReceiverOptions,
} from '@azure/service-bus';
import type { ServiceBusSenderLike } from '../../functions/adapters/queue/serviceBusSender.js';
import type {
  ServiceBusClientLike,
  ServiceBusReceivedMessageLike,
  ServiceBusReceiverLike,
} from './serviceBusSessionConsumer.js';

/**
 * An in-memory fake of one session-enabled Service Bus queue, at the SDK boundary the adapters use
 * (ServiceBusClient.acceptNextSession / createReceiver / createSender, and the receivers' and
 * sender's methods). It follows Service Bus as documented:
 * - a message without a sessionId is refused; messages are FIFO per session (sequence order);
 * - acceptNextSession locks one session with available messages to one receiver, and throws a
 *   ServiceBusError `ServiceTimeout` when none turns up in time (the service waits about a minute);
 * - duplicate detection: a messageId seen within the window is accepted and dropped;
 * - peek-lock: a received message is locked until completed or abandoned; abandon makes it
 *   available again at the head of its session with its delivery count raised, and once it has
 *   been delivered maxDeliveryCount times it moves to the dead-letter sub-queue with reason
 *   `MaxDeliveryCountExceeded`;
 * - `deliveryCount` is the raw AMQP header the JavaScript SDK surfaces: 0 on the first delivery;
 * - closing a session receiver releases its session and any unsettled messages without counting
 *   a delivery (azure-sdk-for-js#15116).
 * Locks never expire: the SDK renews them while a handler runs, and a crashed host is not modelled.
 */
export interface FakeServiceBusOptions {
  queueName: string;
  duplicateDetectionWindowMs: number;
  maxDeliveryCount: number;
  /** How long acceptNextSession waits for a session before it throws ServiceTimeout. Default 200 ms. */
  acceptTimeoutMs?: number;
}

interface QueuedMessage {
  sequenceNumber: number;
  messageId: string;
  sessionId: string;
  body: unknown;
  contentType?: string;
  applicationProperties?: ServiceBusMessage['applicationProperties'];
  enqueuedTimeUtc: Date;
  /** Failed deliveries so far (abandons), as the AMQP header carries it. */
  deliveryCount: number;
  lockToken?: string;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
}

export type FakeReceivedMessage = ServiceBusReceivedMessageLike & { lockToken: string };

/** Where a receiver takes messages from: one locked session, or the dead-letter sub-queue. */
type Source = { kind: 'session'; sessionId: string } | { kind: 'deadLetter' };

export class FakeServiceBus implements ServiceBusClientLike {
  private readonly sessions = new Map<string, QueuedMessage[]>();
  private readonly lockedSessions = new Set<string>();
  private readonly deadLetters: QueuedMessage[] = [];
  /** messageId → first enqueue time, for duplicate detection. */
  private readonly seenAt = new Map<string, number>();
  private lastSequenceNumber = 0;
  private changeWaiters: (() => void)[] = [];

  constructor(private readonly options: FakeServiceBusOptions) {}

  createSender(queueName: string): ServiceBusSenderLike {
    this.assertQueue(queueName);
    let closed = false;
    return {
      sendMessages: async (messages: ServiceBusMessage | ServiceBusMessage[]) => {
        if (closed) throw new Error('The sender has been closed and can no longer be used.');
        this.enqueue(Array.isArray(messages) ? messages : [messages]);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  async acceptNextSession(
    queueName: string,
    options?: ServiceBusSessionReceiverOptions,
  ): Promise<FakeReceiver> {
    this.assertQueue(queueName);
    const lockNextSession = () => {
      const sessionId = this.nextAvailableSession();
      if (sessionId !== undefined) this.lockedSessions.add(sessionId);
      return sessionId;
    };
    const sessionId = await this.waitFor(
      lockNextSession,
      this.options.acceptTimeoutMs ?? 200,
      options?.abortSignal,
    );
    if (sessionId === undefined) {
      throw new ServiceBusError('No session available to accept.', 'ServiceTimeout');
    }
    return new FakeReceiver(this, { kind: 'session', sessionId });
  }

  createReceiver(queueName: string, options?: ServiceBusReceiverOptions): FakeReceiver {
    this.assertQueue(queueName);
    if (options?.subQueueType !== 'deadLetter') {
      throw new ServiceBusError(
        'The queue requires sessions: use acceptSession or acceptNextSession.',
        'GeneralError',
      );
    }
    return new FakeReceiver(this, { kind: 'deadLetter' });
  }

  /** For tests of the fake itself: what sits in the dead-letter sub-queue. */
  deadLetterMessageIds(): string[] {
    return this.deadLetters.map((message) => message.messageId);
  }

  /** @internal for FakeReceiver */
  messagesOf(source: Source): QueuedMessage[] {
    return source.kind === 'session' ? (this.sessions.get(source.sessionId) ?? []) : this.deadLetters;
  }

  /**
   * @internal for FakeReceiver: resolves with take()'s first defined result, or undefined after
   * timeoutMs. take() claims what it returns in the same tick, so concurrent waiters never share it.
   */
  async waitFor<T>(
    take: () => T | undefined,
    timeoutMs: number,
    signal?: AbortSignalLike,
  ): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw abortError();
      const result = take();
      if (result !== undefined || Date.now() >= deadline) return result;
      await this.nextChange(deadline - Date.now(), signal);
    }
  }

  /** @internal for FakeReceiver */
  settle(source: Source, message: QueuedMessage, outcome: 'complete' | 'abandon' | 'release'): void {
    message.lockToken = undefined;
    const messages = this.messagesOf(source);
    if (outcome === 'complete') messages.splice(messages.indexOf(message), 1);
    if (outcome === 'abandon' && source.kind === 'session') {
      message.deliveryCount += 1;
      if (message.deliveryCount >= this.options.maxDeliveryCount) {
        this.moveToDeadLetters(source.sessionId, message);
      }
    }
    if (messages.length === 0 && source.kind === 'session') this.sessions.delete(source.sessionId);
    this.changed();
  }

  /** @internal for FakeReceiver */
  releaseSession(sessionId: string): void {
    this.lockedSessions.delete(sessionId);
    this.changed();
  }

  private enqueue(messages: ServiceBusMessage[]): void {
    for (const message of messages) {
      if (!message.sessionId) {
        throw new ServiceBusError(
          'The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.',
          'GeneralError',
        );
      }
    }
    const now = Date.now();
    for (const [messageId, at] of this.seenAt)
      if (now - at >= this.options.duplicateDetectionWindowMs) this.seenAt.delete(messageId);
    for (const message of messages) {
      const messageId = String(message.messageId ?? randomUUID());
      if (this.seenAt.has(messageId)) continue;
      this.seenAt.set(messageId, now);
      const sessionId = message.sessionId!;
      const queued: QueuedMessage = {
        sequenceNumber: ++this.lastSequenceNumber,
        messageId,
        sessionId,
        // The wire copy: the sender's object and the received one never share state.
        body: structuredClone(message.body),
        contentType: message.contentType,
        applicationProperties: message.applicationProperties && { ...message.applicationProperties },
        enqueuedTimeUtc: new Date(now),
        deliveryCount: 0,
      };
      const session = this.sessions.get(sessionId);
      if (session) session.push(queued);
      else this.sessions.set(sessionId, [queued]);
    }
    this.changed();
  }

  /** The unlocked session whose oldest available message is oldest. */
  private nextAvailableSession(): string | undefined {
    let next: { sessionId: string; sequenceNumber: number } | undefined;
    for (const [sessionId, messages] of this.sessions) {
      if (this.lockedSessions.has(sessionId)) continue;
      const head = messages.find((message) => !message.lockToken);
      if (head && (!next || head.sequenceNumber < next.sequenceNumber)) {
        next = { sessionId, sequenceNumber: head.sequenceNumber };
      }
    }
    return next?.sessionId;
  }

  private moveToDeadLetters(sessionId: string, message: QueuedMessage): void {
    const session = this.sessions.get(sessionId) ?? [];
    session.splice(session.indexOf(message), 1);
    message.deadLetterReason = 'MaxDeliveryCountExceeded';
    message.deadLetterErrorDescription = `Message could not be consumed after ${this.options.maxDeliveryCount} delivery attempts.`;
    this.deadLetters.push(message);
  }

  private assertQueue(queueName: string): void {
    if (queueName !== this.options.queueName) {
      throw new ServiceBusError(
        `The messaging entity '${queueName}' could not be found.`,
        'MessagingEntityNotFound',
      );
    }
  }

  private changed(): void {
    for (const wake of this.changeWaiters.splice(0)) wake();
  }

  private nextChange(timeoutMs: number, signal?: AbortSignalLike): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      signal?.addEventListener('abort', wake);
      this.changeWaiters.push(wake);
    });
  }
}

export class FakeReceiver implements ServiceBusReceiverLike {
  private readonly locked = new Map<string, QueuedMessage>();
  private closed = false;

  constructor(
    private readonly bus: FakeServiceBus,
    private readonly source: Source,
  ) {}

  async receiveMessages(
    maxMessageCount: number,
    options?: ReceiveMessagesOptions,
  ): Promise<FakeReceivedMessage[]> {
    this.assertOpen();
    const lockAvailable = () => {
      const unlocked = this.bus.messagesOf(this.source).filter((message) => !message.lockToken);
      if (unlocked.length === 0) return undefined;
      return unlocked.slice(0, maxMessageCount).map((message) => {
        message.lockToken = randomUUID();
        this.locked.set(message.lockToken, message);
        return toReceivedMessage(message);
      });
    };
    return (
      (await this.bus.waitFor(lockAvailable, options?.maxWaitTimeInMs ?? 60_000, options?.abortSignal)) ?? []
    );
  }

  async completeMessage(message: FakeReceivedMessage): Promise<void> {
    this.bus.settle(this.source, this.takeLocked(message), 'complete');
  }

  async abandonMessage(message: FakeReceivedMessage): Promise<void> {
    this.bus.settle(this.source, this.takeLocked(message), 'abandon');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const message of this.locked.values()) this.bus.settle(this.source, message, 'release');
    this.locked.clear();
    if (this.source.kind === 'session') this.bus.releaseSession(this.source.sessionId);
  }

  private takeLocked({ lockToken }: FakeReceivedMessage): QueuedMessage {
    this.assertOpen();
    const message = this.locked.get(lockToken);
    if (!message) {
      throw new ServiceBusError(
        'The lock supplied is invalid: it expired, or the message was settled.',
        'MessageLockLost',
      );
    }
    this.locked.delete(lockToken);
    return message;
  }

  private assertOpen(): void {
    if (this.closed) throw new ServiceBusError('The receiver has been closed.', 'SessionLockLost');
  }
}

type AbortSignalLike = NonNullable<ReceiveMessagesOptions['abortSignal']>;

function toReceivedMessage(message: QueuedMessage): FakeReceivedMessage {
  const sequenceNumber = message.sequenceNumber;
  return {
    messageId: message.messageId,
    sessionId: message.sessionId,
    body: structuredClone(message.body),
    contentType: message.contentType,
    applicationProperties: message.applicationProperties && { ...message.applicationProperties },
    deliveryCount: message.deliveryCount,
    enqueuedTimeUtc: message.enqueuedTimeUtc,
    sequenceNumber: { toNumber: () => sequenceNumber },
    deadLetterReason: message.deadLetterReason,
    deadLetterErrorDescription: message.deadLetterErrorDescription,
    lockToken: message.lockToken!,
  };
}

function abortError(): Error {
  const error = new Error('The operation was aborted.');
  error.name = 'AbortError';
  return error;
}
