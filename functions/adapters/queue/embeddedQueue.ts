import { join } from 'node:path';
import {
  type DeadLetter,
  EmbeddedQueueState,
  type QueueRecord,
  type StoredMessage,
} from './embeddedQueueState.js';
import { Journal } from './journal.js';
import type {
  DeadLetterHandler,
  MessageHandler,
  OutgoingMessage,
  QueueConsumer,
  QueueOptions,
  QueueSender,
  ReceivedMessage,
} from './queue.js';

/**
 * The durable queue `npm start` runs on: a session queue with Service Bus semantics kept in one
 * journal file under `dir`, for a single process.
 */
export interface EmbeddedQueueOptions extends QueueOptions {
  /** Pause before an abandoned message is redelivered; Service Bus redelivers at once. Default 1 s. */
  retryDelayMs?: number;
  /** Journal size that triggers compaction into a snapshot. Default 4 MiB. */
  compactionThresholdBytes?: number;
}

export interface DeadLetteredMessage {
  message: ReceivedMessage;
  reason: string;
  deadLetteredAt: Date;
}

export interface EmbeddedQueue extends QueueSender, QueueConsumer {
  /** Messages not yet completed or dead-lettered. */
  pendingCount(): number;
  deadLetters(): DeadLetteredMessage[];
  /** Resolves once nothing is pending or in flight and every dead letter has been announced. */
  idle(): Promise<void>;
}

/** Service Bus limits both ids to 128 characters. */
const maxIdLength = 128;

export async function openEmbeddedQueue(dir: string, options: EmbeddedQueueOptions): Promise<EmbeddedQueue> {
  const state = new EmbeddedQueueState(options.duplicateDetectionWindowMs);
  const journal = await Journal.open<QueueRecord>(join(dir, 'queue.journal'), {
    compactionThresholdBytes: options.compactionThresholdBytes ?? 4 * 1024 * 1024,
    replay: (record) => state.apply(record),
    snapshot: () => state.snapshot(Date.now()),
  });
  return new JournaledSessionQueue(state, journal, options);
}

interface Handlers {
  handler: MessageHandler;
  onDeadLetter: DeadLetterHandler;
}

class JournaledSessionQueue implements EmbeddedQueue {
  private handlers: Handlers | undefined;
  private closed = false;
  /** Sessions with a message in flight: at most one each. */
  private readonly busy = new Set<string>();
  /** Sessions waiting out retryDelayMs after an abandon; their head message blocks them. */
  private readonly backingOff = new Map<string, NodeJS.Timeout>();
  /** Sessions with a deliverable message, in round-robin order. */
  private readonly ready = new Set<string>();
  private announceRetry: NodeJS.Timeout | undefined;
  private announcing = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** A duplicate send waits for the original to be durable before it is acknowledged. */
  private readonly unsyncedSends = new Map<string, Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private readonly retryDelayMs: number;

  constructor(
    private readonly state: EmbeddedQueueState,
    private readonly journal: Journal<QueueRecord>,
    private readonly options: EmbeddedQueueOptions,
  ) {
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  async send(message: OutgoingMessage): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    validateIds(message);
    const now = Date.now();
    if (this.state.isDuplicate(message.messageId, now)) return this.unsyncedSends.get(message.messageId);
    const stored = toStoredMessage(message, this.state.nextSequenceNumber(), now);
    const durable = this.commit({ op: 'enqueue', message: stored });
    this.unsyncedSends.set(message.messageId, durable);
    // Delivery can start at once: the deliver record is written after this one, so a handler
    // never sees a message that is not yet durable.
    this.markReady(message.sessionId);
    this.pump();
    try {
      await durable;
    } finally {
      this.unsyncedSends.delete(message.messageId);
    }
  }

  start(handler: MessageHandler, onDeadLetter: DeadLetterHandler): void {
    if (this.closed) throw new Error('queue is closed');
    if (this.handlers) throw new Error('queue consumer is already started');
    this.handlers = { handler, onDeadLetter };
    for (const sessionId of this.state.sessionIds()) this.markReady(sessionId);
    this.pump();
    this.announceDeadLetters();
  }

  async stop(): Promise<void> {
    this.handlers = undefined;
    this.ready.clear();
    for (const timer of this.backingOff.values()) clearTimeout(timer);
    this.backingOff.clear();
    clearTimeout(this.announceRetry);
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
    await this.journal.close();
  }

  pendingCount(): number {
    return this.state.pendingCount();
  }

  deadLetters(): DeadLetteredMessage[] {
    return this.state.deadLetters().map(({ message, reason, deadLetteredAt }) => ({
      message: toReceivedMessage(message),
      reason,
      deadLetteredAt: new Date(deadLetteredAt),
    }));
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Applies a record and appends it in the same tick, as the journal's snapshot requires. */
  private commit(record: QueueRecord): Promise<void> {
    this.state.apply(record);
    return this.journal.append(record);
  }

  private markReady(sessionId: string): void {
    if (!this.handlers || this.busy.has(sessionId) || this.backingOff.has(sessionId)) return;
    if (this.state.head(sessionId)) this.ready.add(sessionId);
  }

  private pump(): void {
    for (const sessionId of this.ready) {
      if (this.busy.size >= this.options.maxConcurrentSessions || !this.handlers) return;
      this.ready.delete(sessionId);
      this.busy.add(sessionId);
      const delivery = this.deliverHead(sessionId, this.handlers).catch((error: unknown) => {
        this.backOff(sessionId);
        throw error;
      });
      this.track(delivery, `delivery in session ${sessionId}`, () => {
        this.busy.delete(sessionId);
        this.markReady(sessionId);
        this.pump();
      });
    }
  }

  private async deliverHead(sessionId: string, { handler }: Handlers): Promise<void> {
    const message = this.state.head(sessionId)!;
    const { maxDeliveryCount } = this.options;
    if (message.deliveryCount >= maxDeliveryCount) {
      // Its last delivery was cut short by a crash; Service Bus dead-letters it when the lock expires.
      return this.deadLetter(message, 'the last delivery did not finish');
    }
    await this.commit({ op: 'deliver', sequenceNumber: message.sequenceNumber });
    try {
      await handler(toReceivedMessage(message));
    } catch (error) {
      // Abandon: the message stays at the head of its session, which waits for its redelivery.
      if (message.deliveryCount < maxDeliveryCount) this.backOff(sessionId);
      else await this.deadLetter(message, `last error: ${errorMessage(error)}`);
      return;
    }
    await this.commit({ op: 'complete', sequenceNumber: message.sequenceNumber });
  }

  private backOff(sessionId: string): void {
    if (!this.handlers) return;
    const timer = setTimeout(() => {
      this.backingOff.delete(sessionId);
      this.markReady(sessionId);
      this.pump();
    }, this.retryDelayMs);
    this.backingOff.set(sessionId, timer);
  }

  private async deadLetter(message: StoredMessage, detail: string): Promise<void> {
    const reason = `MaxDeliveryCountExceeded: Message could not be consumed after ${message.deliveryCount} delivery attempts; ${detail}`;
    await this.commit({ op: 'deadLetter', sequenceNumber: message.sequenceNumber, reason, at: Date.now() });
    this.announceDeadLetters();
  }

  /** Calls onDeadLetter for each dead letter not yet announced, one at a time, retrying on failure. */
  private announceDeadLetters(): void {
    if (this.announcing || !this.handlers) return;
    this.announcing = true;
    this.track(this.announceEach(this.handlers), 'announcing dead letters', () => {
      this.announcing = false;
    });
  }

  private async announceEach({ onDeadLetter }: Handlers): Promise<void> {
    for (let next = this.nextUnannounced(); next && this.handlers; next = this.nextUnannounced()) {
      try {
        await onDeadLetter(toReceivedMessage(next.message), next.reason);
      } catch (error) {
        console.error('embedded queue: onDeadLetter failed; retrying', error);
        this.announceRetry = setTimeout(() => this.announceDeadLetters(), this.retryDelayMs);
        return;
      }
      await this.commit({ op: 'notified', sequenceNumber: next.message.sequenceNumber });
    }
  }

  private nextUnannounced(): DeadLetter | undefined {
    return this.state.deadLetters().find((deadLetter) => !deadLetter.notified);
  }

  /** Keeps in-flight work visible to stop() and idle(); `settle` runs once it is done. */
  private track(work: Promise<void>, what: string, settle: () => void): void {
    const tracked = work
      .catch((error: unknown) => console.error(`embedded queue: ${what} failed`, error))
      .finally(() => {
        this.inFlight.delete(tracked);
        settle();
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    this.inFlight.add(tracked);
  }

  private isIdle(): boolean {
    return this.state.pendingCount() === 0 && this.inFlight.size === 0 && !this.nextUnannounced();
  }
}

function validateIds({ messageId, sessionId }: OutgoingMessage): void {
  for (const [name, id] of Object.entries({ messageId, sessionId })) {
    if (typeof id !== 'string' || id.length === 0 || id.length > maxIdLength) {
      throw new TypeError(`${name} must be a string of 1 to ${maxIdLength} characters`);
    }
  }
}

function toStoredMessage(message: OutgoingMessage, sequenceNumber: number, now: number): StoredMessage {
  const json = JSON.stringify(message.body);
  if (json === undefined) throw new TypeError('message body must be JSON-serialisable');
  return {
    sequenceNumber,
    messageId: message.messageId,
    sessionId: message.sessionId,
    body: JSON.parse(json),
    contentType: message.contentType ?? 'application/json',
    applicationProperties: message.applicationProperties && { ...message.applicationProperties },
    enqueuedAt: now,
    deliveryCount: 0,
  };
}

/** A fresh copy per delivery, so a handler that mutates its message cannot change a redelivery. */
function toReceivedMessage(message: StoredMessage): ReceivedMessage {
  return {
    messageId: message.messageId,
    sessionId: message.sessionId,
    body: structuredClone(message.body),
    contentType: message.contentType,
    applicationProperties: message.applicationProperties && { ...message.applicationProperties },
    deliveryCount: message.deliveryCount,
    enqueuedTimeUtc: new Date(message.enqueuedAt),
    sequenceNumber: message.sequenceNumber,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
