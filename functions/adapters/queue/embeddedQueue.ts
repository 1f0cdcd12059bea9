import { join } from 'node:path';
import { type Durability, Journal } from '../journal/journal.js';
import { DeadLetterAnnouncer, describeError } from './deadLetterAnnouncer.js';
import {
  type DeadLetter,
  EmbeddedQueueState,
  type QueueRecord,
  type StoredMessage,
} from './embeddedQueueState.js';
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
  /**
   * Open a damaged journal anyway, with every record that can still be read (a copy of the damaged file is
   * kept), instead of refusing with a JournalDamagedError. The operator's choice, for one start.
   */
  acceptJournalLoss?: boolean;
  /**
   * Called once when the journal cannot be written (a full disk, an I/O error). The queue has then stopped
   * for good (sends are refused, nothing more is delivered) and the process should exit, so that a restart
   * replays what actually reached the disk.
   */
  onFatalError?: (error: EmbeddedQueueStopped) => void;
  /** Longest pause between attempts at a dead-letter announcement that keeps failing. Default 5 minutes. */
  maxAnnounceRetryDelayMs?: number;
}

/** Every operation of a queue whose journal could not be written fails with this. */
export class EmbeddedQueueStopped extends Error {
  constructor(
    readonly journalPath: string,
    override readonly cause: unknown,
  ) {
    super(
      `the embedded queue has stopped: its journal ${journalPath} could not be written (${describeError(cause)}). ` +
        'Nothing that was not durable was acknowledged; restart once the disk is fixed, to replay the journal.',
    );
    this.name = 'EmbeddedQueueStopped';
  }
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
  /** Forgets a dead letter (replayed or discarded); durable once resolved. Unknown sequence numbers are ignored. */
  removeDeadLetter(sequenceNumber: number): Promise<void>;
  /** Resolves once nothing is pending or in flight and every dead letter has been announced. */
  idle(): Promise<void>;
}

/** Service Bus limits both ids to 128 characters. */
const maxIdLength = 128;

/**
 * Opens the queue in `dir`. A damaged journal refuses the start with a JournalDamagedError (exported by
 * journal.ts) naming the file and the copy kept, unless `acceptJournalLoss` is set.
 */
export async function openEmbeddedQueue(dir: string, options: EmbeddedQueueOptions): Promise<EmbeddedQueue> {
  const state = new EmbeddedQueueState(options.duplicateDetectionWindowMs);
  const journalPath = join(dir, 'queue.journal');
  let queue: JournaledSessionQueue | undefined;
  const journal = await Journal.open<QueueRecord>(journalPath, {
    compactionThresholdBytes: options.compactionThresholdBytes ?? 4 * 1024 * 1024,
    acceptLoss: options.acceptJournalLoss,
    replay: (record) => state.apply(record),
    snapshot: () => state.snapshot(Date.now()),
    onFailure: (error) => queue?.halt(new EmbeddedQueueStopped(journalPath, error)),
  });
  queue = new JournaledSessionQueue(state, journal, options);
  return queue;
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
  private readonly announcer: DeadLetterAnnouncer;
  /** Set once the journal could not be written: from then on the queue refuses everything. */
  private failure: EmbeddedQueueStopped | undefined;
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
    this.announcer = new DeadLetterAnnouncer({
      unannounced: () => this.state.deadLetters().filter((deadLetter) => !deadLetter.notified),
      announce: (deadLetter) => this.announce(deadLetter),
      track: (work, what, settle) => this.track(work, what, settle),
      retryDelayMs: this.retryDelayMs,
      maxRetryDelayMs: options.maxAnnounceRetryDelayMs ?? 5 * 60_000,
    });
  }

  async send(message: OutgoingMessage): Promise<void> {
    this.assertUsable();
    validateIds(message);
    const now = Date.now();
    // Its original is acknowledged only once durable; a duplicate is acknowledged no sooner, and fails with it.
    if (this.state.isDuplicate(message.messageId, now)) return this.unsyncedSends.get(message.messageId);
    const stored = toStoredMessage(message, this.state.nextSequenceNumber(), now);
    const durable = this.commit({ op: 'enqueue', message: stored });
    this.unsyncedSends.set(message.messageId, durable);
    // Delivery can start at once: it waits for this record to be synced, so a handler never sees a message
    // that is not yet durable.
    this.markReady(message.sessionId);
    this.pump();
    try {
      await durable;
    } catch (error) {
      throw this.failure ?? error;
    } finally {
      this.unsyncedSends.delete(message.messageId);
    }
  }

  start(handler: MessageHandler, onDeadLetter: DeadLetterHandler): void {
    this.assertUsable();
    if (this.handlers) throw new Error('queue consumer is already started');
    this.handlers = { handler, onDeadLetter };
    for (const sessionId of this.state.sessionIds()) this.markReady(sessionId);
    this.pump();
    this.announcer.start();
  }

  async stop(): Promise<void> {
    this.stopDelivering();
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
  }

  /**
   * The journal could not be written, so the file is in an unknown state and the state in memory is ahead
   * of it: stop everything, for good, and say so. A restart reads what actually reached the disk.
   */
  halt(failure: EmbeddedQueueStopped): void {
    if (this.failure) return;
    this.failure = failure;
    this.stopDelivering();
    console.error(`embedded queue: ${failure.message}`);
    try {
      this.options.onFatalError?.(failure);
    } catch (error) {
      console.error(`embedded queue: onFatalError threw: ${describeError(error)}`);
    }
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

  async removeDeadLetter(sequenceNumber: number): Promise<void> {
    this.assertUsable();
    if (!this.state.deadLetters().some((d) => d.message.sequenceNumber === sequenceNumber)) return;
    await this.commit({ op: 'removeDeadLetter', sequenceNumber });
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('queue is closed');
  }

  private stopDelivering(): void {
    this.handlers = undefined;
    this.ready.clear();
    for (const timer of this.backingOff.values()) clearTimeout(timer);
    this.backingOff.clear();
    this.announcer.stop();
  }

  /** Applies a record and appends it in the same tick, as the journal's snapshot requires. */
  private commit(record: QueueRecord, durability?: Durability): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.state.apply(record);
    return this.journal.append(record, durability);
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
    await this.unsyncedSends.get(message.messageId);
    // Written, not synced, before the handler runs: a process killed while handling it finds the delivery
    // counted (the kernel keeps what was written), so a message that crashes the process is dead-lettered in
    // the end. Only a power cut can lose the record, and then one delivery goes uncounted.
    await this.commit({ op: 'deliver', sequenceNumber: message.sequenceNumber }, 'written');
    try {
      await handler(toReceivedMessage(message));
    } catch (error) {
      // Abandon: the message stays at the head of its session, which waits for its redelivery.
      if (message.deliveryCount < maxDeliveryCount) this.backOff(sessionId);
      else await this.deadLetter(message, `last error: ${describeError(error)}`);
      return;
    }
    // Not synced either: the handler's own writes are durable already, and losing this record to a power cut
    // only redelivers a message whose processing is idempotent. Nor waited for: the session's next delivery
    // starts at once (the state has moved on), and its deliver record goes in the same write, after this one. A
    // write that fails stops the queue (Journal's onFailure).
    this.commit({ op: 'complete', sequenceNumber: message.sequenceNumber }, 'written').catch(() => {});
  }

  private backOff(sessionId: string): void {
    if (!this.handlers || this.backingOff.has(sessionId)) return;
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
    this.announcer.wake();
  }

  private async announce({ message, reason }: DeadLetter): Promise<void> {
    if (!this.handlers) throw new Error('queue consumer is stopped');
    await this.handlers.onDeadLetter(toReceivedMessage(message), reason);
    await this.commit({ op: 'notified', sequenceNumber: message.sequenceNumber });
  }

  private nextUnannounced(): DeadLetter | undefined {
    return this.state.deadLetters().find((deadLetter) => !deadLetter.notified);
  }

  /** Keeps in-flight work visible to stop() and idle(); `settle` runs once it is done. */
  private track(work: Promise<void>, what: string, settle: () => void): void {
    const tracked = work
      .catch((error: unknown) => {
        if (!this.failure) console.error(`embedded queue: ${what} failed: ${describeError(error)}`);
      })
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
  let bodyJson: string | undefined;
  try {
    bodyJson = JSON.stringify(message.body);
  } catch (error) {
    // Circular, a BigInt, or nested deeper than the stack allows: refused here, before anything changes.
    throw new TypeError(`message body cannot be serialised as JSON: ${describeError(error)}`);
  }
  if (bodyJson === undefined) throw new TypeError('message body must be JSON-serialisable');
  return {
    sequenceNumber,
    messageId: message.messageId,
    sessionId: message.sessionId,
    bodyJson,
    contentType: message.contentType ?? 'application/json',
    applicationProperties: message.applicationProperties && { ...message.applicationProperties },
    enqueuedAt: now,
    deliveryCount: 0,
  };
}

/**
 * A fresh copy per delivery, so a handler that mutates its message cannot change a redelivery. Parsed from
 * the stored text: JSON.parse has no recursion limit, where structuredClone overflows on a body nested a
 * few thousand levels deep.
 */
function toReceivedMessage(message: StoredMessage): ReceivedMessage {
  return {
    messageId: message.messageId,
    sessionId: message.sessionId,
    body: JSON.parse(message.bodyJson),
    contentType: message.contentType,
    applicationProperties: message.applicationProperties && { ...message.applicationProperties },
    deliveryCount: message.deliveryCount,
    enqueuedTimeUtc: new Date(message.enqueuedAt),
    sequenceNumber: message.sequenceNumber,
  };
}
