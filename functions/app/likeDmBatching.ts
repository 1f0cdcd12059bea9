import type { LikeDmSent, OutboxEntry } from './documents.js';

type LikeDmEntry = Extract<OutboxEntry, { kind: 'like_dm' }>;

/** LIKE_DM=batched: the window between two like DMs about one submission, and the instant of the event. */
export interface LikeDmBatch {
  windowMs: number;
  nowMs: number;
}

const isLikeDmOf =
  (replyTs: string) =>
  (e: OutboxEntry): e is LikeDmEntry =>
    e.kind === 'like_dm' && e.replyTs === replyTs;

/**
 * The outbox after `added` joins it with LIKE_DM=batched: a new like DM replaces the pending ones of its reply
 * that no attempt has started to send (it carries the latest total; their failed attempts carry over), and may
 * not be sent before the window after the last DM (`lastSent`) or after one whose send is under way has passed.
 * The sweep performs it once due. One pending like DM per reply, so the document does not grow with its 👍.
 */
export function withBatchedLikeDms(
  outbox: OutboxEntry[],
  added: OutboxEntry[],
  lastSent: LikeDmSent | undefined,
  batch: LikeDmBatch,
): OutboxEntry[] {
  let result = outbox;
  for (const entry of added) {
    if (entry.kind !== 'like_dm') {
      result = [...result, entry];
      continue;
    }
    const ofReply = result.filter(isLikeDmOf(entry.replyTs));
    const replaced = ofReply.filter((e) => !e.sendStarted);
    const sending = ofReply.some((e) => e.sendStarted);
    const notBefore = Math.max(
      lastSent ? Date.parse(lastSent.at) + batch.windowMs : 0,
      sending ? batch.nowMs + batch.windowMs : 0,
      ...replaced.map((e) => (e.nextAttemptAt ? Date.parse(e.nextAttemptAt) : 0)),
    );
    const previous = replaced.at(-1);
    const carried = previous
      ? {
          failedAttempts: previous.failedAttempts,
          firstFailedAt: previous.firstFailedAt,
          lastError: previous.lastError,
          transient: previous.transient,
        }
      : {};
    const next: OutboxEntry = withoutUndefined({
      ...carried,
      ...entry,
      nextAttemptAt: notBefore > batch.nowMs ? new Date(notBefore).toISOString() : undefined,
    });
    result = [...result.filter((e) => !replaced.includes(e as LikeDmEntry)), next];
  }
  return result;
}

/** Absent rather than undefined fields, as a JSON round trip through the store would leave them. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
