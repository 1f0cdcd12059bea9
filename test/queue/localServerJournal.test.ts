/**
 * `npm start` on a damaged queue journal (#4): it refuses to start, naming the file, the copy it kept and the
 * flag that starts anyway; with the flag it starts with what could be read.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedQueue } from '../../functions/adapters/queue/embeddedQueue.js';
import { defaultQueueOptions } from '../../functions/adapters/queue/queue.js';
import { CHANNEL, SIGNING_SECRET, startLocalServer } from '../support/localServer.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the local server with extra arguments until it listens (then stops it) or exits; returns its output. */
function runServer(dataDir: string, args: string[]): Promise<{ listened: boolean; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/main.ts', ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      DATA_DIR: dataDir,
      TIL_CHANNEL_ID: CHANNEL,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SCHEDULER_INTERVAL_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => resolve({ listened: output.includes('listening on'), output }));
  });
}

describe('the local server and a damaged queue journal', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir('til-journal');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('#4: refuses to start on a flipped byte, naming the journal, the copy and how to start anyway', async () => {
    const queueDir = join(dir.path, 'queue');
    const queue = await openEmbeddedQueue(queueDir, defaultQueueOptions);
    for (let index = 0; index < 30; index++) {
      await queue.send({ messageId: `Ev${index}`, sessionId: '2026-11', body: { eventId: `Ev${index}` } });
    }
    await queue.close();
    const journal = join(queueDir, 'queue.journal');
    const content = await readFile(journal);
    const offset = content.indexOf('Ev7') + 1;
    content[offset] = content[offset]! ^ 0x01;
    await writeFile(journal, content);

    const refused = await startLocalServer({ DATA_DIR: dir.path }).catch((error: unknown) => String(error));
    expect(refused).toMatch(/exited with 1 before listening/);
    expect(refused).toContain(`TIL Challenge cannot start. The queue journal ${journal} is damaged`);
    expect(refused).toMatch(/A copy is kept at .*queue\.journal\.damaged-/);
    expect(refused).toContain('npm start -- --accept-journal-loss');
    expect(await readdir(dir.path)).not.toContain('LOCK');

    const accepted = await runServer(dir.path, ['--accept-journal-loss']);
    expect(accepted.output).toMatch(/started anyway, as asked: \d+ records kept/);
    expect(accepted.listened).toBe(true);
    // The journal was rewritten clean: the next start needs no flag.
    expect((await runServer(dir.path, [])).listened).toBe(true);
  }, 60_000);
});
