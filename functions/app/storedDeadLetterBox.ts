import type { DeadLetterBox, KeptDeadLetter } from '../adapters/queue/deadLetterBox.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import { type DeadLetterDoc, deadLetterDocId, deadLetterPartition } from './documents.js';

/**
 * Dead letters as Azure keeps them: the `deadLetter:` documents the dead-letter function copies out of Service
 * Bus (completing the message there deletes the only other copy). A replayed or discarded one is marked
 * `resolved`, not deleted, so what happened to it stays visible.
 */
export function createStoredDeadLetterBox(deps: {
  store: Store;
  channelId: string;
  now: () => number;
}): DeadLetterBox {
  const { store, now } = deps;
  const pk = deadLetterPartition(deps.channelId);
  return {
    async list() {
      const docs = await store.query<DeadLetterDoc>({ pk, type: 'deadLetter' });
      return docs
        .map(({ doc }) => doc)
        .filter((doc) => !doc.resolved)
        .sort(
          (a, b) =>
            a.deadLetteredAt.localeCompare(b.deadLetteredAt) || a.messageId.localeCompare(b.messageId),
        )
        .map(
          (doc): KeptDeadLetter => ({
            messageId: doc.messageId,
            ...(doc.sessionId && { sessionId: doc.sessionId }),
            // JSON.parse has no recursion limit: a body however deep reads back.
            body: JSON.parse(doc.bodyJson),
            reason: doc.description ? `${doc.reason}: ${doc.description}` : doc.reason,
            deliveries: doc.deliveries,
            deadLetteredAt: doc.deadLetteredAt,
          }),
        );
    },
    async remove(messageId, outcome) {
      await updateDocument<DeadLetterDoc>(store, pk, deadLetterDocId(messageId), (current) =>
        current && !current.resolved
          ? { ...current, resolved: { at: new Date(now()).toISOString(), ...outcome } }
          : undefined,
      );
    },
  };
}
