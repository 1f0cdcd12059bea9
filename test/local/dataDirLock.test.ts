/**
 * One `npm start` per DATA_DIR: a second one is refused with the holder's pid, a crashed holder's lock is
 * taken over, and the real local server both takes and releases it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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

const LOCK_MODULE = fileURLToPath(new URL('../../functions/local/dataDirLock.ts', import.meta.url));

/**
 * A child that, for each DATA_DIR it reads on stdin, takes that directory's lock and prints `won` or
 * `locked <pid>`; it keeps running, holding what it won, until it is killed, as a server would.
 */
const TAKER = `
import { createInterface } from 'node:readline';
import { lockDataDir } from ${JSON.stringify(LOCK_MODULE)};
createInterface({ input: process.stdin }).on('line', (dataDir) => {
  lockDataDir(dataDir).then(
    () => console.log('won'),
    (error) => console.log(error.name === 'DataDirLocked' ? 'locked ' + error.holderPid : 'error ' + error.stack),
  );
});
console.log('ready');
setInterval(() => {}, 60_000);
`;

interface Taker {
  child: ChildProcess;
  /** Resolves with the child's next output line. */
  nextLine(): Promise<string>;
}

async function startTakers(script: string, count: number): Promise<Taker[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      const waiting: ((line: string) => void)[] = [];
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const waiter = waiting.shift();
        if (waiter) waiter(line);
        else lines.push(line);
      });
      const nextLine = () =>
        lines.length > 0
          ? Promise.resolve(lines.shift()!)
          : new Promise<string>((resolve) => waiting.push(resolve));
      if ((await nextLine()) !== 'ready') throw new Error('taker did not start');
      return { child, nextLine };
    }),
  );
}

/** The holder's pid on the first line, its token on the second. */
const ownLock = () => new RegExp(`^${process.pid}\\n[0-9a-f-]{36}\\n$`);

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
    expect(await readFile(join(dir.path, 'LOCK'), 'utf8')).toMatch(ownLock());
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
    expect(await readFile(join(dir.path, 'LOCK'), 'utf8')).toMatch(ownLock());
    expect(await readdir(dir.path)).toEqual(['LOCK']);
    await lock.release();
  });

  it('#9: a takeover cut short by a crash (its claim left behind) does not block the next start', async () => {
    const staleToken = '00000000-0000-4000-8000-000000000001';
    const claimantToken = '00000000-0000-4000-8000-000000000002';
    await writeFile(join(dir.path, 'LOCK'), `${await deadPid()}\n${staleToken}\n`);
    await writeFile(join(dir.path, `LOCK.takeover-${staleToken}`), `${await deadPid()}\n${claimantToken}\n`);
    const lock = await lockDataDir(dir.path);
    expect(await readFile(join(dir.path, 'LOCK'), 'utf8')).toMatch(ownLock());
    expect(await readdir(dir.path)).toEqual(['LOCK']);
    await lock.release();
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('#9: a live process between its takeover claim and the replacement is waited for, then named', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const staleToken = '00000000-0000-4000-8000-000000000001';
      await writeFile(join(dir.path, 'LOCK'), `${await deadPid()}\n${staleToken}\n`);
      await writeFile(
        join(dir.path, `LOCK.takeover-${staleToken}`),
        `${holder.pid}\n00000000-0000-4000-8000-000000000002\n`,
      );
      await expect(lockDataDir(dir.path)).rejects.toThrow(`in use by process ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('release leaves a lock that is no longer its own', async () => {
    const lock = await lockDataDir(dir.path);
    await writeFile(join(dir.path, 'LOCK'), '1\n00000000-0000-4000-8000-000000000003\n');
    await lock.release();
    expect(await readdir(dir.path)).toEqual(['LOCK']);
  });

  it('#9: of many processes that find the same stale lock at once, exactly one takes it', async () => {
    const script = join(dir.path, 'taker.mts');
    await writeFile(script, TAKER);
    const takers = await startTakers(script, 12);
    try {
      for (let round = 1; round <= 10; round++) {
        const dataDir = join(dir.path, `data-${round}`);
        await mkdir(dataDir);
        await writeFile(join(dataDir, 'LOCK'), `${await deadPid()}\n`);
        for (const { child } of takers) child.stdin!.write(`${dataDir}\n`);
        const outcomes = await Promise.all(takers.map((taker) => taker.nextLine()));
        const winners = takers.filter((_, index) => outcomes[index] === 'won');
        expect(winners, `round ${round}: ${outcomes.join(', ')}`).toHaveLength(1);
        const winnerPid = winners[0]!.child.pid;
        expect(outcomes.filter((outcome) => outcome !== 'won')).toEqual(
          Array.from({ length: takers.length - 1 }, () => `locked ${winnerPid}`),
        );
        expect((await readFile(join(dataDir, 'LOCK'), 'utf8')).split('\n')[0]).toBe(String(winnerPid));
      }
    } finally {
      await Promise.all(
        takers.map(({ child }) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          return exited;
        }),
      );
    }
  }, 120_000);
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
