/**
 * The embedded queue's state and the journal records that change it. Replaying the records in
 * order rebuilds the state; a snapshot is written with the same records.
 */

export interface StoredMessage {
  sequenceNumber: number;
  messageId: string;
  sessionId: string;
  /**
   * The body as JSON text, serialised once on send. Kept as text, not as a value, so that no record or
   * snapshot ever has to walk a deeply nested body again (JSON.stringify and structuredClone overflow the
   * stack on bodies a few thousand levels deep; JSON.parse does not), and each delivery parses its own copy.
   */
  bodyJson: string;
  contentType: string;
  applicationProperties?: Record<string, string | number | boolean>;
  enqueuedAt: number;
  deliveryCount: number;
}

export interface DeadLetter {
  message: StoredMessage;
  reason: string;
  deadLetteredAt: number;
  /** Whether onDeadLetter has returned for it; an unnotified one is announced again after a restart. */
  notified: boolean;
}

export type QueueRecord =
  | { op: 'enqueue'; message: StoredMessage }
  /** Written before the handler runs, so a crash mid-handler counts as a delivery. */
  | { op: 'deliver'; sequenceNumber: number }
  | { op: 'complete'; sequenceNumber: number }
  | { op: 'deadLetter'; sequenceNumber: number; reason: string; at: number }
  | { op: 'notified'; sequenceNumber: number }
  /** A dead letter replayed (sent again as a new message) or discarded by an admin: no longer kept. */
  | { op: 'removeDeadLetter'; sequenceNumber: number }
  /** Snapshot only: the last sequence number handed out, which completed messages no longer carry. */
  | { op: 'sequence'; last: number }
  /** Snapshot only: a messageId still inside the duplicate detection window. */
  | { op: 'seen'; messageId: string; at: number };

export class EmbeddedQueueState {
  /** Pending messages in sequence order, which is also each session's FIFO order. */
  private readonly pending = new Map<number, StoredMessage>();
  private readonly sessions = new Map<string, StoredMessage[]>();
  private readonly deadLettered = new Map<number, DeadLetter>();
  /** messageId → enqueue time, oldest first. */
  private readonly seenAt = new Map<string, number>();
  private lastSequenceNumber = 0;

  constructor(private readonly duplicateDetectionWindowMs: number) {}

  apply(record: QueueRecord): void {
    switch (record.op) {
      case 'enqueue':
        this.enqueue(record.message);
        return;
      case 'deliver':
        this.pendingMessage(record.sequenceNumber).deliveryCount += 1;
        return;
      case 'complete':
        this.remove(record.sequenceNumber);
        return;
      case 'deadLetter': {
        const message = this.remove(record.sequenceNumber);
        this.deadLettered.set(message.sequenceNumber, {
          message,
          reason: record.reason,
          deadLetteredAt: record.at,
          notified: false,
        });
        return;
      }
      case 'notified': {
        const deadLetter = this.deadLettered.get(record.sequenceNumber);
        if (!deadLetter) throw new Error(`no dead letter with sequence number ${record.sequenceNumber}`);
        deadLetter.notified = true;
        return;
      }
      case 'removeDeadLetter':
        this.deadLettered.delete(record.sequenceNumber);
        return;
      case 'sequence':
        this.lastSequenceNumber = Math.max(this.lastSequenceNumber, record.last);
        return;
      case 'seen':
        this.seenAt.set(record.messageId, record.at);
        return;
    }
  }

  nextSequenceNumber(): number {
    return this.lastSequenceNumber + 1;
  }

  /** Whether a message with this id was enqueued within the duplicate detection window. */
  isDuplicate(messageId: string, now: number): boolean {
    this.forgetExpiredIds(now);
    return this.seenAt.has(messageId);
  }

  head(sessionId: string): StoredMessage | undefined {
    return this.sessions.get(sessionId)?.[0];
  }

  sessionIds(): Iterable<string> {
    return this.sessions.keys();
  }

  pendingCount(): number {
    return this.pending.size;
  }

  deadLetters(): DeadLetter[] {
    return [...this.deadLettered.values()];
  }

  snapshot(now: number): QueueRecord[] {
    this.forgetExpiredIds(now);
    const records: QueueRecord[] = [{ op: 'sequence', last: this.lastSequenceNumber }];
    for (const [messageId, at] of this.seenAt) records.push({ op: 'seen', messageId, at });
    for (const message of this.pending.values()) records.push({ op: 'enqueue', message });
    for (const { message, reason, deadLetteredAt, notified } of this.deadLettered.values()) {
      const { sequenceNumber } = message;
      records.push(
        { op: 'enqueue', message },
        { op: 'deadLetter', sequenceNumber, reason, at: deadLetteredAt },
      );
      if (notified) records.push({ op: 'notified', sequenceNumber });
    }
    return records;
  }

  private enqueue(message: StoredMessage): void {
    const stored = withBodyJson(message);
    this.pending.set(stored.sequenceNumber, stored);
    const session = this.sessions.get(stored.sessionId);
    if (session) session.push(stored);
    else this.sessions.set(stored.sessionId, [stored]);
    this.seenAt.set(stored.messageId, stored.enqueuedAt);
    this.lastSequenceNumber = Math.max(this.lastSequenceNumber, stored.sequenceNumber);
  }

  private remove(sequenceNumber: number): StoredMessage {
    const message = this.pendingMessage(sequenceNumber);
    this.pending.delete(sequenceNumber);
    const session = this.sessions.get(message.sessionId) ?? [];
    session.splice(session.indexOf(message), 1);
    if (session.length === 0) this.sessions.delete(message.sessionId);
    return message;
  }

  private pendingMessage(sequenceNumber: number): StoredMessage {
    const message = this.pending.get(sequenceNumber);
    if (!message) throw new Error(`no pending message with sequence number ${sequenceNumber}`);
    return message;
  }

  private forgetExpiredIds(now: number): void {
    for (const [messageId, at] of this.seenAt) {
      if (now - at < this.duplicateDetectionWindowMs) return;
      this.seenAt.delete(messageId);
    }
  }
}

/** Journals written before bodies were kept as text hold the body itself. */
function withBodyJson(message: StoredMessage): StoredMessage {
  const { body, ...rest } = message as StoredMessage & { body?: unknown };
  return typeof rest.bodyJson === 'string'
    ? { ...rest }
    : { ...rest, bodyJson: JSON.stringify(body ?? null) };
}
