import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EmbeddedQueue,
  type EmbeddedQueueOptions,
  openEmbeddedQueue,
} from '../../functions/adapters/queue/embeddedQueue.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { DeliveryLog, gate, waitUntil } from './deliveryLog.js';

const options: EmbeddedQueueOptions = {
  duplicateDetectionWindowMs: 60_000,
  maxDeliveryCount: 3,
  maxConcurrentSessions: 4,
  retryDelayMs: 10,
};

const message = (messageId: string, sessionId = 's') => ({ messageId, sessionId, body: { messageId } });

describe('embedded queue durability', () => {
  let dir: TempDir;
  const opened: EmbeddedQueue[] = [];
  const open = async (overrides: Partial<EmbeddedQueueOptions> = {}) => {
    const queue = await openEmbeddedQueue(dir.path, { ...options, ...overrides });
    opened.push(queue);
    return queue;
  };
  const journalPath = () => join(dir.path, 'queue.journal');
  /** Opens the same directory again while the first instance is left hanging, as after kill -9. */
  const reopenAfterCrash = open;

  beforeEach(async () => {
    dir = await makeTempDir('embedded-queue');
  });
  afterEach(async () => {
    await dir.remove();
    opened.length = 0;
  });

  it('delivers after a restart what was sent before it, in order', async () => {
    const first = await open();
    for (const id of ['a', 'b', 'c']) await first.send(message(id));
    await first.close();

    const second = await open();
    expect(second.pendingCount()).toBe(3);
    const log = new DeliveryLog();
    second.start(log.handler(), log.onDeadLetter);
    await second.idle();
    await second.close();
    expect(log.completedIds()).toEqual(['a', 'b', 'c']);
    expect(log.deliveries.map(({ deliveryCount }) => deliveryCount)).toEqual([1, 1, 1]);
  });

  it('does not deliver a completed message again after a restart', async () => {
    const first = await open();
    const log = new DeliveryLog();
    first.start(log.handler(), log.onDeadLetter);
    await first.send(message('done'));
    await first.idle();
    await first.close();

    const second = await open();
    expect(second.pendingCount()).toBe(0);
    await second.close();
  });

  it('remembers messageIds across a restart within the duplicate detection window', async () => {
    const first = await open();
    await first.send(message('once'));
    await first.close();

    const second = await open();
    await second.send(message('once'));
    expect(second.pendingCount()).toBe(1);
    await second.close();
  });

  it('counts a delivery cut short by a crash, and delivers the message again', async () => {
    const crashed = await open();
    const stuck = new DeliveryLog();
    crashed.start(
      stuck.handler(() => gate().opened),
      stuck.onDeadLetter,
    );
    await crashed.send(message('in-flight'));
    await waitUntil(() => stuck.deliveries.length === 1, 'the handler is in flight');

    const restarted = await reopenAfterCrash();
    const log = new DeliveryLog();
    restarted.start(log.handler(), log.onDeadLetter);
    await restarted.idle();
    await restarted.close();
    expect(log.deliveryCountsOf('in-flight')).toEqual([2]);
  });

  it('dead-letters on restart a message whose last delivery was cut short, without delivering it again', async () => {
    const crashed = await open({ maxDeliveryCount: 2 });
    const stuck = new DeliveryLog();
    crashed.start(
      stuck.handler(async ({ deliveryCount }) => {
        if (deliveryCount === 1) throw new Error('first delivery fails');
        await gate().opened;
      }),
      stuck.onDeadLetter,
    );
    await crashed.send(message('doomed'));
    await waitUntil(() => stuck.deliveries.length === 2, 'the last delivery is in flight');

    const restarted = await reopenAfterCrash({ maxDeliveryCount: 2 });
    const log = new DeliveryLog();
    restarted.start(log.handler(), log.onDeadLetter);
    await restarted.idle();
    await restarted.close();
    expect(log.deliveries).toEqual([]);
    expect(log.deadLetters).toHaveLength(1);
    expect(log.deadLetters[0]!.message).toMatchObject({ messageId: 'doomed', deliveryCount: 2 });
    expect(log.deadLetters[0]!.reason).toMatch(/^MaxDeliveryCountExceeded: .*after 2 delivery attempts/);
  });

  it('keeps dead letters across a restart and announces each one once', async () => {
    const first = await open();
    const log = new DeliveryLog();
    first.start(
      log.handler(() => {
        throw new Error('always fails');
      }),
      log.onDeadLetter,
    );
    await first.send(message('poison'));
    await first.idle();
    await first.close();
    expect(log.deadLetters).toHaveLength(1);
    expect(log.deadLetters[0]!.reason).toContain('always fails');

    const second = await open();
    const afterRestart = new DeliveryLog();
    second.start(afterRestart.handler(), afterRestart.onDeadLetter);
    await second.idle();
    await second.close();
    expect(afterRestart.deadLetters).toEqual([]);
    expect(second.deadLetters()).toEqual([
      {
        message: expect.objectContaining({
          messageId: 'poison',
          deliveryCount: 3,
          body: { messageId: 'poison' },
        }),
        reason: log.deadLetters[0]!.reason,
        deadLetteredAt: expect.any(Date),
      },
    ]);
  });

  it('announces a dead letter again when onDeadLetter fails', async () => {
    const queue = await open({ maxDeliveryCount: 1 });
    const announcements: string[] = [];
    queue.start(
      async () => {
        throw new Error('fails');
      },
      async (deadLetter) => {
        announcements.push(deadLetter.messageId);
        if (announcements.length === 1) throw new Error('alerting is down');
      },
    );
    await queue.send(message('poison'));
    await queue.idle();
    await queue.close();
    expect(announcements).toEqual(['poison', 'poison']);
  });

  it('hands each delivery its own copy of the message', async () => {
    const queue = await open();
    const bodies: unknown[] = [];
    queue.start(
      async ({ body, deliveryCount }) => {
        bodies.push(structuredClone(body));
        (body as { messageId: string }).messageId = 'mutated';
        if (deliveryCount === 1) throw new Error('retry');
      },
      async () => {},
    );
    await queue.send(message('original'));
    await queue.idle();
    await queue.close();
    expect(bodies).toEqual([{ messageId: 'original' }, { messageId: 'original' }]);
  });

  it('compacts its journal so disk use stays bounded by what is live', async () => {
    const thresholdBytes = 8192;
    // A 1 ms window leaves only the messages in flight as live state.
    const queue = await open({ compactionThresholdBytes: thresholdBytes, duplicateDetectionWindowMs: 1 });
    const log = new DeliveryLog();
    queue.start(log.handler(), log.onDeadLetter);
    let largest = 0;
    for (let batch = 0; batch < 20; batch++) {
      const sends = Array.from({ length: 25 }, (_, index) =>
        queue.send(message(`m${batch}-${index}`, `s${index % 5}`)),
      );
      await Promise.all(sends);
      await queue.idle();
      largest = Math.max(largest, (await stat(journalPath())).size);
    }
    await queue.close();

    expect(log.completed).toHaveLength(500);
    // Without compaction the journal would hold all 1,500 records, well over 100 KB.
    expect(largest).toBeLessThan(3 * thresholdBytes);
  });

  it('keeps pending messages, dead letters, seen ids and sequence numbers through compaction', async () => {
    const first = await open({ compactionThresholdBytes: 1024, maxDeliveryCount: 1 });
    const log = new DeliveryLog();
    first.start(
      log.handler(({ messageId }) => {
        if (messageId === 'poison') throw new Error('poison');
      }),
      log.onDeadLetter,
    );
    for (const id of ['seen', 'poison']) await first.send(message(id));
    for (let index = 0; index < 100; index++) await first.send(message(`filler-${index}`, `s${index % 3}`));
    await first.idle();
    await first.stop();
    for (const id of ['left-1', 'left-2']) await first.send(message(id));
    await first.close();
    const lastSequenceNumber = Math.max(...log.deliveries.map(({ sequenceNumber }) => sequenceNumber));

    const second = await open({ compactionThresholdBytes: 1024, maxDeliveryCount: 1 });
    await second.send(message('seen'));
    await second.send(message('new'));
    const afterRestart = new DeliveryLog();
    second.start(afterRestart.handler(), afterRestart.onDeadLetter);
    await second.idle();
    await second.close();
    expect(afterRestart.completedIds()).toEqual(['left-1', 'left-2', 'new']);
    expect(afterRestart.completed[0]!.sequenceNumber).toBeGreaterThan(lastSequenceNumber);
    expect(second.deadLetters().map(({ message }) => message.messageId)).toEqual(['poison']);
    expect(afterRestart.deadLetters).toEqual([]);
    // Uncompacted, the 300-odd records written would come to over 25 KB.
    expect((await stat(journalPath())).size).toBeLessThan(12_000);
  });

  it('stop() keeps undelivered messages for the next start; close() refuses further sends', async () => {
    const queue = await open();
    await queue.send(message('kept'));
    await queue.stop();
    expect(queue.pendingCount()).toBe(1);
    const log = new DeliveryLog();
    queue.start(log.handler(), log.onDeadLetter);
    await queue.idle();
    expect(log.completedIds()).toEqual(['kept']);
    await queue.close();
    await expect(queue.send(message('late'))).rejects.toThrow(/closed/);
  });

  it('refuses a message without a sessionId or messageId, like Service Bus', async () => {
    const queue = await open();
    await expect(queue.send({ messageId: 'm', sessionId: '', body: {} })).rejects.toThrow(/sessionId/);
    await expect(queue.send({ messageId: 'x'.repeat(129), sessionId: 's', body: {} })).rejects.toThrow(
      /messageId/,
    );
    expect(queue.pendingCount()).toBe(0);
    await queue.close();
  });
});
