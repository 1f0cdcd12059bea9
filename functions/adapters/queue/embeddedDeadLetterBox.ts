import type { DeadLetterBox, KeptDeadLetter } from './deadLetterBox.js';
import type { EmbeddedQueue } from './embeddedQueue.js';

/** The embedded queue's dead letters, kept in its journal: listed from it, and forgotten with a journal record. */
export function createEmbeddedDeadLetterBox(
  queue: Pick<EmbeddedQueue, 'deadLetters' | 'removeDeadLetter'>,
): DeadLetterBox {
  const kept = () =>
    queue
      .deadLetters()
      .sort((a, b) => a.message.sequenceNumber - b.message.sequenceNumber)
      .map(({ message, reason, deadLetteredAt }) => ({
        sequenceNumber: message.sequenceNumber,
        letter: {
          messageId: message.messageId,
          sessionId: message.sessionId,
          body: message.body,
          ...(message.contentType && { contentType: message.contentType }),
          ...(message.applicationProperties && { applicationProperties: message.applicationProperties }),
          reason,
          deliveries: message.deliveryCount,
          deadLetteredAt: deadLetteredAt.toISOString(),
        } satisfies KeptDeadLetter,
      }));
  return {
    list: async () => kept().map(({ letter }) => letter),
    async remove(messageId) {
      for (const { sequenceNumber, letter } of kept()) {
        if (letter.messageId === messageId) await queue.removeDeadLetter(sequenceNumber);
      }
    },
  };
}
