import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One `npm start` per DATA_DIR: two processes appending to the same queue journal and store would each
 * believe they own every message. The lock is a file holding the owner's pid; a lock whose process is gone
 * (a `kill -9`, a power cut) is taken over, so a crash never needs a manual cleanup.
 */
export class DataDirLocked extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by process ${holderPid} (another npm start?). ` +
        'Stop that process or set another DATA_DIR.',
    );
    this.name = 'DataDirLocked';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

const LOCK_FILE = 'LOCK';

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = join(dataDir, LOCK_FILE);
  // The pid is written and synced under a private name, then linked into place: link fails atomically when
  // the lock exists, and a lock that exists always names its holder.
  const draft = join(dataDir, `${LOCK_FILE}.${process.pid}`);
  const handle = await open(draft, 'w');
  try {
    await handle.writeFile(`${process.pid}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    for (;;) {
      try {
        await link(draft, lockPath);
        return { release: () => rm(lockPath, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await lockHolder(lockPath);
      if (holder !== undefined && isRunning(holder)) throw new DataDirLocked(dataDir, holder);
      await rm(lockPath, { force: true });
    }
  } finally {
    await rm(draft, { force: true });
  }
}

async function lockHolder(lockPath: string): Promise<number | undefined> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isRunning(pid: number): boolean {
  // Our own pid in a lock is a previous run whose pid was reused (common in containers, where pids restart).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
