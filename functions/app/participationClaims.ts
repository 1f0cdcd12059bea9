import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import { compareTs, monthOfWeekKey } from '../domain/calendar.js';
import { countsForWeek } from '../domain/submission.js';
import type { Effect, SlackTs, UserId, Week } from '../domain/types.js';
import {
  monthPartition,
  type OutboxEntry,
  type ParticipationDoc,
  participationDocId,
  type SubmissionDoc,
} from './documents.js';
import { type DocRef, withOutbox } from './outbox.js';
import type { WeekCalendar } from './weekCalendar.js';

export type BroadcastEffect = Extract<Effect, { kind: 'broadcast' }>;

/** What claiming a member's week for one reply's broadcast found. */
export type Claim =
  /** This reply holds the claim: it posts. `lookupFrom` is set when an earlier attempt may have posted. */
  | { status: 'mine'; lookupFrom?: SlackTs }
  /** The member's week was announced already, or another reply of theirs is announcing it. */
  | { status: 'done-elsewhere' };

const earlier = (a: SlackTs | undefined, b: SlackTs) => (a !== undefined && compareTs(a, b) < 0 ? a : b);

/**
 * The participation claims: one document per member and week that makes the broadcast happen once. A reply's
 * broadcast claims it (pending), posts, and marks it sent. A claim given up or dropped is `abandoned` and may
 * be taken by another reply of the member, which then looks for a post of an earlier holder first: the tag is
 * per member and week, so whichever reply made it, it is found.
 */
export function createParticipationClaims(deps: { store: Store; channelId: string; weeks: WeekCalendar }) {
  const { store, channelId, weeks } = deps;
  const refOf = (weekKey: string, userId: UserId) => ({
    pk: monthPartition(channelId, monthOfWeekKey(weekKey)),
    id: participationDocId(weekKey, userId),
  });

  return {
    /** The member's participation in `week` was announced, or is being announced by one of their replies. */
    async alreadyBroadcast(week: Week | undefined, userId: UserId | undefined): Promise<boolean> {
      if (!week || !userId) return false;
      const { pk, id } = refOf(week.key, userId);
      const participation = await store.read<ParticipationDoc>(pk, id);
      return participation !== undefined && participation.doc.status !== 'abandoned';
    },

    async claim(effect: BroadcastEffect): Promise<Claim> {
      const { pk, id } = refOf(effect.weekKey, effect.userId);
      const result = await updateDocument<ParticipationDoc>(store, pk, id, (current) => {
        if (!current) {
          return {
            id,
            pk,
            type: 'participation',
            weekKey: effect.weekKey,
            userId: effect.userId,
            replyTs: effect.replyTs,
            status: 'pending',
            searchFromTs: effect.replyTs,
          };
        }
        if (current.status !== 'abandoned') return current;
        return {
          ...current,
          replyTs: effect.replyTs,
          status: 'pending',
          searchFromTs: earlier(current.searchFromTs ?? current.replyTs, effect.replyTs),
        };
      });
      const participation = result.stored?.doc;
      if (!participation || participation.status === 'sent' || participation.replyTs !== effect.replyTs) {
        return { status: 'done-elsewhere' };
      }
      // Only the very first claim of the member's week can be sure nothing was posted for it yet.
      const first = result.changed && result.previous === undefined;
      return first
        ? { status: 'mine' }
        : { status: 'mine', lookupFrom: participation.searchFromTs ?? participation.replyTs };
    },

    async markSent(effect: BroadcastEffect, broadcastTs: SlackTs) {
      const { pk, id } = refOf(effect.weekKey, effect.userId);
      await updateDocument<ParticipationDoc>(store, pk, id, (current) =>
        current ? { ...current, status: 'sent', broadcastTs } : undefined,
      );
    },

    /**
     * This reply's broadcast will not be made: another reply of the member may claim the week. Whether this
     * reply held the claim (it may have been announced already, or be held by another reply).
     */
    async release(effect: BroadcastEffect): Promise<boolean> {
      const { pk, id } = refOf(effect.weekKey, effect.userId);
      const result = await updateDocument<ParticipationDoc>(store, pk, id, (current) =>
        current?.status === 'pending' && current.replyTs === effect.replyTs
          ? { ...current, status: 'abandoned' }
          : undefined,
      );
      return result.changed;
    },

    /**
     * The reply holding the member's week no longer counts (deleted, link removed): their earliest other reply
     * that counts takes the broadcast over, as it got none of its own while the week was claimed. Returns that
     * reply's document, to be drained.
     */
    async handOver(effect: BroadcastEffect): Promise<DocRef | undefined> {
      const week = await weeks.week(effect.weekKey);
      const pk = monthPartition(channelId, week.month);
      const replies = await store.query<SubmissionDoc>({
        pk,
        type: 'submission',
        where: { weekKey: week.key, author: effect.userId },
      });
      const heir = replies
        .map(({ doc }) => doc)
        .filter((doc) => doc.state.replyTs !== effect.replyTs && countsForWeek(doc.state, week))
        .sort((a, b) => compareTs(a.state.replyTs, b.state.replyTs))[0];
      if (!heir?.state.threadTs) return undefined;
      const { threadTs, replyTs } = heir.state;
      const { kind, id, weekKey, userId } = effect;
      const takeover: OutboxEntry = { kind, id, weekKey, userId, replyTs, threadTs };
      await updateDocument<SubmissionDoc>(store, heir.pk, heir.id, (current) =>
        current && !current.outbox.some((e) => e.id === effect.id)
          ? withOutbox<SubmissionDoc, OutboxEntry>(current, [...current.outbox, takeover])
          : undefined,
      );
      return { pk: heir.pk, id: heir.id };
    },
  };
}

export type ParticipationClaims = ReturnType<typeof createParticipationClaims>;
