/**
 * The DeadLetterBox port: where a host keeps the messages its queue gave up on (SPEC 9), until an admin replays or
 * discards them. Adapters: the embedded queue's journal (`embeddedDeadLetterBox.ts`), and in Azure the store's
 * `deadLetter:` documents the dead-letter function copies (`app/storedDeadLetterBox.ts`).
 */

export interface KeptDeadLetter {
  /** The dead-lettered message's id (a Slack event id, `thread-recorded:…`, `admin:…`, `replay:…`). */
  messageId: string;
  /** Its session (routing month); undefined only for a copy made before sessions were kept, which cannot be replayed. */
  sessionId?: string;
  body: unknown;
  contentType?: string;
  applicationProperties?: Record<string, string | number | boolean>;
  reason: string;
  deliveries: number;
  deadLetteredAt: string;
}

export interface DeadLetterBox {
  /** Every kept dead letter, oldest first. */
  list(): Promise<KeptDeadLetter[]>;
  /** No longer kept: replayed as `replayedAs`, or discarded. A dead letter already gone is no error. */
  remove(messageId: string, outcome: { replayedAs: string } | { discarded: true }): Promise<void>;
}
