/**
 * One `npm start` per DATA_DIR: a second one is refused with the holder's pid, a crashed holder's lock is
 * taken over, and the real local server both takes and releases it.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLocked, lockDataDir } from '../../functions/local/dataDirLock.js';
import { startLocalServer } from '../support/localServer.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

let dir: TempDir;
beforeEach(async () => {
  dir = await makeTempDir('til-lock');
});
afterEach(async () => {
  await dir.remove();
});

describe('lockDataDir', () => {
  it('writes the holder pid and leaves no draft file behind', async () => {
    const lock = await lockDataDir(dir.path);
    expect(await readFile(join(dir.path, 'LOCK'), 'utf8')).toBe(`${process.pid}\n`);
    expect(await readdir(dir.path)).toEqual(['LOCK']);
    await lock.release();
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('creates a DATA_DIR that does not exist yet', async () => {
    const nested = join(dir.path, 'a', 'b');
    const lock = await lockDataDir(nested);
    expect(await readdir(nested)).toEqual(['LOCK']);
    await lock.release();
  });

  it('refuses a directory held by a running process and names that process', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      await writeFile(join(dir.path, 'LOCK'), `${holder.pid}\n`);
      const attempt = lockDataDir(dir.path);
      await expect(attempt).rejects.toBeInstanceOf(DataDirLocked);
      await expect(attempt).rejects.toThrow(`in use by process ${holder.pid}`);
      expect(await readFile(join(dir.path, 'LOCK'), 'utf8')).toBe(`${holder.pid}\n`);
      expect(await readdir(dir.path)).toEqual(['LOCK']);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it.each([
    ['a holder that exited', async () => `${await deadPid()}\n`],
    ['an empty lock file', async () => ''],
    ['garbage', async () => 'not a pid'],
    ['a negative pid', async () => '-1\n'],
    ['our own pid (reused after a restart)', async () => `${process.pid}\n`],
  ])('takes over a lock left by %s', async (_, content) => {
    await writeFile(join(dir.path, 'LOCK'), await content());
    const lock = await lockDataDir(dir.path);
    expect(await readFile(join(dir.path, 'LOCK'), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });
});

describe('the local server and its DATA_DIR', () => {
  it('a second server on the same DATA_DIR exits with a clear message; the first keeps running', async () => {
    const first = await startLocalServer({ DATA_DIR: dir.path });
    try {
      const error = await startLocalServer({ DATA_DIR: dir.path }).catch((e: unknown) => e);
      expect(String(error)).toMatch(/exited with 1 before listening/);
      expect(String(error)).toMatch(/TIL Challenge cannot start\. DATA_DIR .* is in use by process \d+/);
      expect((await fetch(`${first.url}/api/health`)).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(await readdir(dir.path)).not.toContain('LOCK');
  });

  it('a server killed with -9 leaves its lock, and the next start takes it over', async () => {
    const first = await startLocalServer({ DATA_DIR: dir.path });
    await first.kill9();
    expect(await readdir(dir.path)).toContain('LOCK');
    const second = await startLocalServer({ DATA_DIR: dir.path });
    expect((await fetch(`${second.url}/api/health`)).status).toBe(200);
    expect(await second.stop()).toBe(0);
  });
});
