/**
 * The embedded queue when things go wrong: a disk that fills up (#3), a damaged journal (#4), messages and
 * callbacks that throw in any way, and bodies nested deeper than structuredClone or JSON.stringify can follow (#11).
 */
import { open as openFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type EmbeddedQueue,
  type EmbeddedQueueOptions,
  openEmbeddedQueue,
} from '../../functions/adapters/queue/embeddedQueue.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { DeliveryLog, waitUntil } from './deliveryLog.js';

const options: EmbeddedQueueOptions = {
  duplicateDetectionWindowMs: 60_000,
  maxDeliveryCount: 2,
  maxConcurrentSessions: 4,
  retryDelayMs: 10,
};

const message = (messageId: string, sessionId = 's', body: unknown = { messageId }) => ({
  messageId,
  sessionId,
  body,
});

/** `[[[…]]]`, `depth` arrays deep, built without recursion. */
function nestedArrays(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

function depthOf(value: unknown): number {
  let depth = 0;
  for (let node = value; Array.isArray(node); node = node[0]) depth++;
  return depth;
}

/** Makes every journal write fail as on a full disk, after writing the first half of what it was given. */
async function fillTheDisk(dir: string) {
  const probe = await openFile(join(dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe);
  await probe.close();
  const appendFile = prototype.appendFile;
  return vi.spyOn(prototype, 'appendFile').mockImplementation(async function (this: unknown, data: unknown) {
    const text = String(data);
    await appendFile.call(this, text.slice(0, Math.floor(text.length / 2)));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
}

describe('embedded queue hardening', () => {
  let dir: TempDir;
  const opened: EmbeddedQueue[] = [];
  const open = async (overrides: Partial<EmbeddedQueueOptions> = {}) => {
    const queue = await openEmbeddedQueue(dir.path, { ...options, ...overrides });
    opened.push(queue);
    return queue;
  };

  beforeEach(async () => {
    dir = await makeTempDir('queue-hardening');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.allSettled(opened.splice(0).map((queue) => queue.close()));
    await dir.remove();
  });

  it('#3: a send whose journal write fails is never acknowledged, nor is its retry; the queue stops loudly and a restart accepts the event again', async () => {
    const fatal: unknown[] = [];
    const queue = await open({ onFatalError: (error) => fatal.push(error) });
    const log = new DeliveryLog();
    queue.start(log.handler(), log.onDeadLetter);
    await queue.send(message('before'));
    await queue.idle();

    const diskFull = await fillTheDisk(dir.path);
    await expect(queue.send(message('lost'))).rejects.toThrow(/ENOSPC/);
    // Slack's retry of the same event_id: not a duplicate of a record that never became durable.
    await expect(queue.send(message('lost'))).rejects.toThrow();
    diskFull.mockRestore();
    // Stopped for good: the file is in an unknown state until a restart reads it again.
    await expect(queue.send(message('after'))).rejects.toThrow(/queue .* stopped/);
    expect(fatal).toHaveLength(1);
    expect(String(fatal[0])).toMatch(/ENOSPC/);
    expect(log.completedIds()).toEqual(['before']);
    await queue.close();

    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const restarted = await open();
    await restarted.send(message('lost'));
    expect(restarted.pendingCount()).toBe(1);
    const afterRestart = new DeliveryLog();
    restarted.start(afterRestart.handler(), afterRestart.onDeadLetter);
    await restarted.idle();
    expect(afterRestart.completedIds()).toEqual(['lost']);
  });

  it('#3: a handler never sees a message whose enqueue failed, and nothing in flight is completed after the failure', async () => {
    const queue = await open({ onFatalError: () => {} });
    const log = new DeliveryLog();
    queue.start(log.handler(), log.onDeadLetter);
    await fillTheDisk(dir.path);
    const sends = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) => queue.send(message(`m${index}`, `s${index % 4}`))),
    );
    expect(sends.every(({ status }) => status === 'rejected')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log.deliveries).toEqual([]);
  });

  it('#4: one flipped byte in a busy journal refuses to start instead of dropping the acknowledged events after it', async () => {
    const first = await open();
    for (let index = 0; index < 200; index++) await first.send(message(`event-${index}`, `s${index % 3}`));
    await first.close();
    const journal = join(dir.path, 'queue.journal');
    const content = await readFile(journal);
    const offset = content.indexOf('event-48') + 3;
    content[offset] = content[offset]! ^ 0x20;
    await writeFile(journal, content);

    await expect(open()).rejects.toThrow(
      new RegExp(`journal ${journal} is damaged: .* A copy is kept at ${journal}\\.damaged-`),
    );
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const accepted = await open({ acceptJournalLoss: true });
    expect(accepted.pendingCount()).toBe(199);
  });

  it.each([3500, 4000])(
    '#11: a body nested %i deep is delivered, dead-lettered and announced like any other; later messages and dead letters still flow',
    async (depth) => {
      const queue = await open({ compactionThresholdBytes: 4096 });
      const log = new DeliveryLog();
      queue.start(
        log.handler(({ messageId }) => {
          if (messageId === 'deep' || messageId === 'poison') throw new Error(`${messageId} fails`);
        }),
        log.onDeadLetter,
      );
      await queue.send(message('deep', 'a', { event: { blocks: nestedArrays(depth) } }));
      for (let index = 0; index < 50; index++)
        await queue.send(message(`n${index}`, `s${index % 3}`, { pad: 'x'.repeat(200) }));
      await queue.send(message('poison', 'c'));
      await waitUntil(
        () => log.deadLetters.length === 2 && log.completed.length === 50,
        'every message is settled',
      );

      expect(log.deadLetters.map(({ message }) => message.messageId).sort()).toEqual(['deep', 'poison']);
      const deep = log.deliveries.find(({ messageId }) => messageId === 'deep')!;
      expect(depthOf((deep.body as { event: { blocks: unknown } }).event.blocks)).toBe(depth);
      await queue.close();
      const restarted = await open();
      expect(
        restarted
          .deadLetters()
          .map(({ message }) => message.messageId)
          .sort(),
      ).toEqual(['deep', 'poison']);
      expect(restarted.pendingCount()).toBe(0);
    },
  );

  it('#11: a body too deep to serialise is refused at send, and the queue goes on', async () => {
    const queue = await open();
    const log = new DeliveryLog();
    queue.start(log.handler(), log.onDeadLetter);
    await expect(queue.send(message('too-deep', 'a', nestedArrays(100_000)))).rejects.toThrow(TypeError);
    await queue.send(message('next', 'a'));
    await queue.idle();
    expect(log.completedIds()).toEqual(['next']);
  });

  it('#11: a dead-letter callback that keeps throwing delays only its own announcement, not later ones', async () => {
    const queue = await open({ maxDeliveryCount: 1 });
    const announced: string[] = [];
    let attemptsForFirst = 0;
    queue.start(
      () => {
        throw new Error('fails');
      },
      (deadLetter) => {
        if (deadLetter.messageId === 'first') {
          attemptsForFirst++;
          throw new Error('alerting this one fails, synchronously');
        }
        announced.push(deadLetter.messageId);
        return Promise.resolve();
      },
    );
    await queue.send(message('first', 'a'));
    await waitUntil(() => attemptsForFirst >= 1, 'the first announcement is tried');
    await queue.send(message('second', 'b'));
    await queue.send(message('third', 'c'));
    await waitUntil(() => announced.length === 2, 'the later dead letters are announced');
    expect(announced).toEqual(['second', 'third']);
    await waitUntil(() => attemptsForFirst >= 3, 'the first is still retried');
  });

  it('#11: a handler that throws synchronously, or throws what cannot even be printed, only abandons its message', async () => {
    const unprintable = Object.create(null);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no property of mine can be read');
        },
        getPrototypeOf() {
          throw new Error('nor my prototype');
        },
      },
    );
    const queue = await open();
    const log = new DeliveryLog();
    queue.start((received) => {
      if (received.messageId === 'sync') throw new Error('thrown before any promise');
      if (received.messageId === 'null-prototype') throw unprintable;
      if (received.messageId === 'proxy') throw hostile;
      return log.handler()(received);
    }, log.onDeadLetter);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const id of ['sync', 'null-prototype', 'proxy']) await queue.send(message(id, id));
    for (let index = 0; index < 10; index++) await queue.send(message(`ok${index}`, `s${index % 2}`));
    await waitUntil(
      () => log.deadLetters.length === 3 && log.completed.length === 10,
      'every message is settled',
    );
    for (const { reason } of log.deadLetters)
      expect(reason).toMatch(/after 2 delivery attempts; last error: /);
  });
});
