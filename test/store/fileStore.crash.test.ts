import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { type Ack, parseAck, payloadFor, VERSIONED_TYPE, type VersionedDoc } from './crashWorkload.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER_CHILD = fileURLToPath(new URL('../support/storeWriterChild.ts', import.meta.url));
/** Acknowledged writes to wait for before each kill; varied so the kill lands at different points. */
const ACKS_BEFORE_KILL = [15, 60, 140, 35, 90];

/** Runs the writer child until it has acknowledged `acksBeforeKill` writes, then kills it with SIGKILL. */
async function writeUntilKilled(dataDir: string, round: number, acksBeforeKill: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER_CHILD, dataDir, String(round)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<string | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const acks: Ack[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    acks.push(parseAck(line));
    if (acks.length === acksBeforeKill) child.kill('SIGKILL');
  }
  const signal = await exited;
  if (signal !== 'SIGKILL')
    throw new Error(`writer child ended by itself after ${acks.length} acks:\n${stderr}`);
  return acks;
}

describe('file store killed with SIGKILL mid-write', () => {
  let dataDir: TempDir;
  beforeAll(async () => {
    dataDir = await makeTempDir('file-store-crash');
  });
  afterAll(async () => {
    await dataDir?.remove();
  });

  it('reopens cleanly with every acknowledged write intact, round after round', async () => {
    const acknowledged: Ack[] = [];
    for (const [round, acksBeforeKill] of ACKS_BEFORE_KILL.entries()) {
      acknowledged.push(...(await writeUntilKilled(dataDir.path, round, acksBeforeKill)));

      const store = await openFileStore(dataDir.path);
      // Documents, and the write log with its mark: no temp file of an unfinished write is left.
      expect((await readdir(dataDir.path)).filter((name) => !name.endsWith('.json')).sort()).toStrictEqual([
        'store.journal',
        'store.journal.mark',
      ]);
      for (const ack of acknowledged) {
        const stored = await store.read<VersionedDoc>(ack.pk, ack.id);
        expect(stored, `acknowledged ${ack.pk}/${ack.id}@${ack.version}`).toBeDefined();
        // Writes that finished after the last printed ack may have moved a document further on.
        expect(stored!.doc.version).toBeGreaterThanOrEqual(ack.version);
      }
      // Every document on disk, acknowledged or not, is whole: never a torn or mixed write.
      for (const { doc } of await store.query<VersionedDoc>({ type: VERSIONED_TYPE })) {
        expect(doc.payload === payloadFor(doc.id, doc.version), `${doc.pk}/${doc.id}@${doc.version}`).toBe(
          true,
        );
      }
      await store.close();
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL.reduce((sum, acks) => sum + acks, 0));
  });
});
