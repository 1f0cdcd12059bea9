/** `npm run dead-letters`: the command an operator runs, as a child process over a real DATA_DIR. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';
import { defaultQueueOptions, type ReceivedMessage } from '../../functions/adapters/queue/queue.js';
import { lockDataDir } from '../../functions/local/dataDirLock.js';
import { runTool } from '../support/runTool.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const deadLetters = (args: string[], env: Record<string, string>) =>
  runTool('functions/tools/deadLettersCli.ts', args, { TIL_CHANNEL_ID: 'C0TIL', ...env });

const openQueue = (dataDir: string) =>
  openEmbeddedQueue(join(dataDir, 'queue'), { ...defaultQueueOptions, maxDeliveryCount: 2, retryDelayMs: 5 });

/** A DATA_DIR whose queue journal holds dead letters for `ids` (each failed every delivery). */
async function withDeadLetters(dataDir: string, ids: string[]) {
  const queue = await openQueue(dataDir);
  queue.start(
    async () => {
      throw new Error('this event keeps failing');
    },
    async () => {},
  );
  for (const id of ids) await queue.send({ messageId: id, sessionId: '2026-11', body: { eventId: id } });
  await queue.idle();
  await queue.close();
}

let dataDir: TempDir;
beforeEach(async () => {
  dataDir = await makeTempDir('dead-letters-cli');
});
afterEach(async () => {
  await dataDir.remove();
});

describe('npm run dead-letters', () => {
  it('lists the dead letters, replays one into the queue, and the next start delivers it once', async () => {
    await withDeadLetters(dataDir.path, ['Ev1', 'Ev2']);
    const env = { DATA_DIR: dataDir.path };
    const listed = await deadLetters(['list'], env);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^Ev1\t2026-11\t\S+\t2 deliveries\tMaxDeliveryCountExceeded/m);
    expect(listed.stdout).toMatch(/^Ev2\t/m);

    const replayed = await deadLetters(['replay', 'Ev1'], env);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout.trim()).toBe('replayed Ev1 as replay:1:Ev1');
    const again = await deadLetters(['replay', 'Ev1'], env);
    expect(again.code).toBe(1);
    expect(again.stdout.trim()).toBe('no dead letter Ev1');

    const queue = await openQueue(dataDir.path);
    const delivered: ReceivedMessage[] = [];
    queue.start(
      async (message) => {
        delivered.push(message);
      },
      async () => {},
    );
    await queue.idle();
    expect(delivered.map((m) => [m.messageId, m.sessionId, m.body])).toEqual([
      ['replay:1:Ev1', '2026-11', { eventId: 'Ev1' }],
    ]);
    expect(queue.deadLetters().map((d) => d.message.messageId)).toEqual(['Ev2']);
    await queue.close();

    const all = await deadLetters(['replay', '--all'], env);
    expect(all.stdout.trim()).toBe('replayed Ev2 as replay:1:Ev2');
    expect((await deadLetters(['list'], env)).stdout.trim()).toBe('no dead letters are kept');
  });

  it('refuses while npm start holds DATA_DIR, pointing to /til admin deadletters, and changes nothing', async () => {
    await withDeadLetters(dataDir.path, ['Ev1']);
    const lock = await lockDataDir(dataDir.path);
    try {
      const result = await deadLetters(['replay', 'Ev1'], { DATA_DIR: dataDir.path });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`is in use by process ${process.pid}`);
      expect(result.stderr).toContain('/til admin deadletters');
    } finally {
      await lock.release();
    }
    expect((await deadLetters(['list'], { DATA_DIR: dataDir.path })).stdout).toMatch(/^Ev1\t/m);
  });

  it('validates its arguments: exit 2 with the usage', async () => {
    for (const args of [
      [],
      ['replay'],
      ['list', 'x'],
      ['purge'],
      ['replay', 'a b'],
      ['replay', 'Ev1', 'Ev2'],
    ]) {
      const result = await deadLetters(args, { DATA_DIR: dataDir.path });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(
        'usage: npm run dead-letters -- list | replay <message id> | replay --all',
      );
    }
  });
});
