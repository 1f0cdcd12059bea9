import type { DeadLetterBox, KeptDeadLetter } from '../adapters/queue/deadLetterBox.js';
import type { QueueSender } from '../adapters/queue/queue.js';

export type { KeptDeadLetter } from '../adapters/queue/deadLetterBox.js';

/** What replaying one dead letter came to. */
export type ReplayOutcome =
  | { ok: true; messageId: string; replayedAs: string }
  | { ok: false; messageId: string; reason: 'not_found' | 'no_session' };

const REPLAY_ID = /^replay:(\d+):(.*)$/s;

/**
 * The queue message id a replay of `messageId` is sent with: `replay:<n>:<original id>`, n counting the replays of
 * that original. Never the original id, which the queue's duplicate detection may still remember and would drop;
 * always the same for the same dead letter, so a replay sent twice (a retry, a crash before the dead letter was
 * forgotten) is dropped as a duplicate within the window, and beyond it applies once anyway: the event's state
 * transition is idempotent.
 */
export function replayMessageId(messageId: string): string {
  const match = REPLAY_ID.exec(messageId);
  return match ? `replay:${Number(match[1]) + 1}:${match[2]}` : `replay:1:${messageId}`;
}

/**
 * Dead letters kept and replayable (SPEC 9) over either host's box: a replay goes back through the queue, in its
 * own session, like any event, and only then is the dead letter forgotten (sent first: a crash in between leaves
 * it listed, and replaying it again sends the same replay id).
 */
export function createDeadLetters(deps: { box: DeadLetterBox; queue: QueueSender }) {
  const { box, queue } = deps;

  async function replayLetter(letter: KeptDeadLetter): Promise<ReplayOutcome> {
    if (!letter.sessionId) return { ok: false, messageId: letter.messageId, reason: 'no_session' };
    const replayedAs = replayMessageId(letter.messageId);
    await queue.send({
      messageId: replayedAs,
      sessionId: letter.sessionId,
      body: letter.body,
      contentType: letter.contentType ?? 'application/json',
      applicationProperties: { ...letter.applicationProperties, replayOf: letter.messageId },
    });
    await box.remove(letter.messageId, { replayedAs });
    return { ok: true, messageId: letter.messageId, replayedAs };
  }

  return {
    list: () => box.list(),

    async replay(messageId: string): Promise<ReplayOutcome> {
      const letter = (await box.list()).find((l) => l.messageId === messageId);
      return letter ? replayLetter(letter) : { ok: false, messageId, reason: 'not_found' };
    },

    /** Every kept dead letter, oldest first; one that cannot be replayed is reported and stays. */
    async replayAll(): Promise<ReplayOutcome[]> {
      const outcomes: ReplayOutcome[] = [];
      for (const letter of await box.list()) outcomes.push(await replayLetter(letter));
      return outcomes;
    },

    async discard(messageId: string): Promise<boolean> {
      const found = (await box.list()).some((l) => l.messageId === messageId);
      if (found) await box.remove(messageId, { discarded: true });
      return found;
    },
  };
}

export type DeadLetters = ReturnType<typeof createDeadLetters>;
