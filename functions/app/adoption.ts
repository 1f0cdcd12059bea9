import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { AppConfig } from '../config.js';
import { routingMonthOfTs } from '../domain/calendar.js';
import { adoptIntoWeek } from '../domain/submission.js';
import type { SlackTs, UserId, Week } from '../domain/types.js';
import { monthPartition, type SubmissionDoc } from './documents.js';
import type { DocRef } from './outbox.js';
import type { ParticipationClaims } from './participationClaims.js';
import { nextSubmissionDocument } from './transitions.js';

/**
 * Replies that beat their thread's record: stored before their thread was known to be `week`'s thread, they join
 * the week when the thread_recorded message is processed (in the week's session, after them). Every reply is
 * adopted first, state only, so that no effect, failing or not, can keep a later reply out of its week; the
 * caller then drains the returned documents' outboxes. A redelivery adopts nothing new and returns the replies
 * whose effects are still pending.
 */
export function createAdoption(deps: { store: Store; config: AppConfig; claims: ParticipationClaims }) {
  const { store, config, claims } = deps;
  const { rules, channelId } = config;

  return async function adoptThread(
    threadTs: SlackTs,
    week: Week,
    eventId: string,
  ): Promise<{ adopted: number; toDrain: DocRef[]; authors: UserId[] }> {
    const months = new Set([routingMonthOfTs(threadTs, rules.timeZone), week.month]);
    // A member with two early replies gets one broadcast effect, as if they had arrived after the record.
    const announcing = new Set<UserId>();
    let adopted = 0;
    const toDrain: DocRef[] = [];
    const authors = new Set<UserId>();
    for (const month of months) {
      const replies = await store.query<SubmissionDoc>({
        pk: monthPartition(channelId, month),
        type: 'submission',
        where: { threadTs },
      });
      for (const { doc: reply } of replies) {
        let doc: SubmissionDoc | undefined = reply;
        if (reply.weekKey === undefined) {
          const author = reply.author;
          const memberAlreadyBroadcast =
            (author !== undefined && announcing.has(author)) || (await claims.alreadyBroadcast(week, author));
          const result = await updateDocument<SubmissionDoc>(store, reply.pk, reply.id, (current) =>
            current
              ? nextSubmissionDocument(current, adoptIntoWeek(current.state, week), {
                  channelId,
                  month,
                  rules,
                  memberAlreadyBroadcast,
                  eventId,
                  replyFeedback: config.replyFeedback,
                })
              : undefined,
          );
          doc = result.stored?.doc;
          if (result.changed) adopted += 1;
          if (doc?.outbox.some((e) => e.kind === 'broadcast') && author) announcing.add(author);
        }
        if (doc?.weekKey !== week.key) continue;
        if (doc.outbox.length > 0) toDrain.push({ pk: doc.pk, id: doc.id });
        if (doc.author) authors.add(doc.author);
      }
    }
    return { adopted, toDrain, authors: [...authors] };
  };
}
