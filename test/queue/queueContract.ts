import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  OutgoingMessage,
  QueueConsumer,
  QueueOptions,
  QueueSender,
} from '../../functions/adapters/queue/queue.js';
import { DeliveryLog, gate, waitUntil } from './deliveryLog.js';

export interface QueueUnderTest {
  sender: QueueSender;
  consumer: QueueConsumer;
  /** Stops the consumer and releases everything the factory created. */
  dispose(): Promise<void>;
}

export type QueueFactory = (options: QueueOptions) => Promise<QueueUnderTest>;

const contractOptions: QueueOptions = {
  duplicateDetectionWindowMs: 1000,
  maxDeliveryCount: 3,
  maxConcurrentSessions: 4,
};

/** The Service Bus session-queue semantics every Queue adapter must show. */
export function describeQueueContract(name: string, createQueue: QueueFactory): void {
  describe(`${name}: queue contract`, () => {
    const opened: QueueUnderTest[] = [];
    const open = async (overrides: Partial<QueueOptions> = {}) => {
      const queue = await createQueue({ ...contractOptions, ...overrides });
      opened.push(queue);
      return queue;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.dispose()));
    });

    const message = (
      messageId: string,
      sessionId: string,
      body: unknown = { messageId },
    ): OutgoingMessage => ({
      messageId,
      sessionId,
      body,
    });

    it('delivers each session in send order, exactly once, however sends to sessions interleave', async () => {
      const interleavings = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 10, maxLength: 60 });
      await fc.assert(
        fc.asyncProperty(interleavings, async (sessionOfEachSend) => {
          const queue = await open();
          const log = new DeliveryLog();
          queue.consumer.start(
            log.handler(() => sleep(Math.random() * 2)),
            log.onDeadLetter,
          );
          const sent = new Map<string, string[]>();
          for (const [index, session] of sessionOfEachSend.entries()) {
            const sessionId = `s${session}`;
            const messageId = `m${index}`;
            sent.set(sessionId, [...(sent.get(sessionId) ?? []), messageId]);
            await queue.sender.send(message(messageId, sessionId));
          }
          await waitUntil(() => log.completed.length >= sessionOfEachSend.length, 'every message is handled');
          await queue.dispose();
          expect(log.deliveries).toHaveLength(sessionOfEachSend.length);
          for (const [sessionId, messageIds] of sent) expect(log.completedIds(sessionId)).toEqual(messageIds);
        }),
        { numRuns: 5 },
      );
    });

    it('never has two messages of one session in flight at once', async () => {
      const queue = await open({ maxConcurrentSessions: 4 });
      const inFlight = new Map<string, number>();
      const mostInFlight = new Map<string, number>();
      const log = new DeliveryLog();
      queue.consumer.start(
        log.handler(async ({ sessionId }) => {
          const now = (inFlight.get(sessionId) ?? 0) + 1;
          inFlight.set(sessionId, now);
          mostInFlight.set(sessionId, Math.max(now, mostInFlight.get(sessionId) ?? 0));
          await sleep(2);
          inFlight.set(sessionId, now - 1);
        }),
        log.onDeadLetter,
      );
      // Two busy sessions and spare capacity: a queue that ignored sessions would overlap them.
      await Promise.all(
        Array.from({ length: 20 }, (_, index) => queue.sender.send(message(`m${index}`, `s${index % 2}`))),
      );
      await waitUntil(() => log.completed.length === 20, 'every message is handled');
      expect(Object.fromEntries(mostInFlight)).toEqual({ s0: 1, s1: 1 });
    });

    it('runs different sessions in parallel, up to maxConcurrentSessions', async () => {
      const queue = await open({ maxConcurrentSessions: 2 });
      const held = gate();
      const started: string[] = [];
      const log = new DeliveryLog();
      queue.consumer.start(
        log.handler(async ({ sessionId }) => {
          started.push(sessionId);
          await held.opened;
        }),
        log.onDeadLetter,
      );
      for (const sessionId of ['a', 'b', 'c']) await queue.sender.send(message(`m-${sessionId}`, sessionId));

      await waitUntil(() => started.length === 2, 'two sessions are in flight at the same time');
      await sleep(100);
      expect(started).toHaveLength(2);
      held.open();
      await waitUntil(() => log.completed.length === 3, 'the third session is handled once a slot frees');
    });

    it('drops a duplicate messageId within the window and accepts it again after the window', async () => {
      const windowMs = 1000;
      const queue = await open({ duplicateDetectionWindowMs: windowMs });
      const log = new DeliveryLog();
      queue.consumer.start(log.handler(), log.onDeadLetter);

      await Promise.all([queue.sender.send(message('dup', 's')), queue.sender.send(message('dup', 's'))]);
      await queue.sender.send(message('dup', 's'));
      // FIFO: once a later message of the session is handled, any duplicate would have been too.
      await queue.sender.send(message('marker-1', 's'));
      await waitUntil(() => log.isCompleted('marker-1'), 'the first marker is handled');
      expect(log.deliveryCountsOf('dup')).toEqual([1]);

      await sleep(windowMs + 300);
      await queue.sender.send(message('dup', 's'));
      await queue.sender.send(message('marker-2', 's'));
      await waitUntil(() => log.isCompleted('marker-2'), 'the second marker is handled');
      expect(log.deliveryCountsOf('dup')).toEqual([1, 1]);
    });

    it('redelivers a message whose handler threw, with deliveryCount 2', async () => {
      const queue = await open();
      const log = new DeliveryLog();
      queue.consumer.start(
        log.handler(({ deliveryCount }) => {
          if (deliveryCount === 1) throw new Error('transient failure');
        }),
        log.onDeadLetter,
      );
      await queue.sender.send(message('flaky', 's'));
      await waitUntil(() => log.isCompleted('flaky'), 'the message is handled');
      expect(log.deliveryCountsOf('flaky')).toEqual([1, 2]);
      expect(log.deadLetters).toEqual([]);
    });

    it('dead-letters a message after exactly maxDeliveryCount deliveries while everything else flows', async () => {
      const queue = await open({ maxDeliveryCount: 3, maxConcurrentSessions: 2 });
      const others = ['q1', 'q2', 'q3', 'q4'];
      let otherSessionFlowedMeanwhile: boolean | undefined;
      const log = new DeliveryLog();
      queue.consumer.start(
        log.handler(async ({ messageId, deliveryCount }) => {
          if (messageId !== 'poison') return;
          if (deliveryCount === 1) {
            otherSessionFlowedMeanwhile = await waitUntil(
              () => others.every((id) => log.isCompleted(id)),
              'q drains',
              5000,
            )
              .then(() => true)
              .catch(() => false);
          }
          throw new Error('poison');
        }),
        log.onDeadLetter,
      );
      for (const id of ['poison', 'after-1', 'after-2']) await queue.sender.send(message(id, 'p'));
      for (const id of others) await queue.sender.send(message(id, 'q'));

      await waitUntil(() => log.isCompleted('after-2') && log.deadLetters.length > 0, 'session p moves on');
      await sleep(100);
      expect(otherSessionFlowedMeanwhile).toBe(true);
      expect(log.deliveryCountsOf('poison')).toEqual([1, 2, 3]);
      expect(log.deadLetters).toHaveLength(1);
      expect(log.deadLetters[0]!.message).toMatchObject({ messageId: 'poison', sessionId: 'p' });
      expect(log.deadLetters[0]!.reason).toMatch(/^MaxDeliveryCountExceeded/);
      expect(log.completedIds('p')).toEqual(['after-1', 'after-2']);
      const lastPoison = log.deliveries.findLastIndex(({ messageId }) => messageId === 'poison');
      const firstAfter = log.deliveries.findIndex(({ messageId }) => messageId === 'after-1');
      expect(firstAfter).toBeGreaterThan(lastPoison);
    });

    it('round-trips body, contentType and applicationProperties', async () => {
      const queue = await open();
      const log = new DeliveryLog();
      queue.consumer.start(log.handler(), log.onDeadLetter);
      const body = { text: '오늘 배운 것 ✓', nested: { list: [1, 'two', null, true], n: 1.5 } };
      const applicationProperties = { kind: 'reply', attempt: 2, retry: false };
      await queue.sender.send({
        messageId: 'full',
        sessionId: 's',
        body,
        contentType: 'application/vnd.til+json',
        applicationProperties,
      });
      await queue.sender.send(message('plain', 's', ['just', 'a', 'list']));
      await waitUntil(() => log.completed.length === 2, 'both messages are handled');

      const [full, plain] = log.completed;
      expect(full).toMatchObject({
        messageId: 'full',
        sessionId: 's',
        body,
        contentType: 'application/vnd.til+json',
        applicationProperties,
        deliveryCount: 1,
      });
      expect(plain).toMatchObject({
        body: ['just', 'a', 'list'],
        contentType: 'application/json',
        deliveryCount: 1,
      });
      expect(full!.enqueuedTimeUtc).toBeInstanceOf(Date);
      expect(plain!.sequenceNumber).toBeGreaterThan(full!.sequenceNumber);
    });

    it('stop() waits for the handler in flight, then delivers nothing more', async () => {
      const queue = await open();
      const held = gate();
      const events: string[] = [];
      queue.consumer.start(
        async ({ messageId }) => {
          events.push(`start ${messageId}`);
          await held.opened;
          events.push(`done ${messageId}`);
        },
        async () => {},
      );
      await queue.sender.send(message('first', 's'));
      await waitUntil(() => events.length === 1, 'the handler is in flight');

      const stopped = queue.consumer.stop().then(() => events.push('stopped'));
      await sleep(50);
      held.open();
      await stopped;
      await queue.sender.send(message('second', 's'));
      await sleep(200);
      expect(events).toEqual(['start first', 'done first', 'stopped']);
    });
  });
}
