import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One `npm start` per DATA_DIR: two processes appending to the same queue journal and store would each
 * believe they own every message. The lock is a file holding the owner's pid (first line) and a random token
 * (second line); a lock whose process is gone (a `kill -9`, a power cut) is taken over, so a crash never needs
 * a manual cleanup.
 *
 * Taking over must be atomic: two processes that both find the same stale lock must not both win. Replacing
 * the lock is therefore a right that is claimed first, by exclusively creating `LOCK.takeover-<token of the
 * stale lock>` (a hard link of the claimant's own lock file, so it names the claimant). Only the process whose
 * link succeeded may replace that lock. If a claimant dies between its claim and the replacement, its claim is
 * itself a stale lock, claimed in turn by `LOCK.takeover-<its token>`: whoever holds the lock is found by
 * following the claims from `LOCK` to the last one.
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
const TAKEOVER_PREFIX = `${LOCK_FILE}.takeover-`;
/** How long to wait for a live process that has claimed a takeover to complete it. */
const TAKEOVER_WAIT_MS = 2000;
const TAKEOVER_POLL_MS = 10;
/** Bounds the retries when other processes keep changing the lock under us. */
const MAX_ATTEMPTS = 10_000;

interface LockFile {
  pid: number | undefined;
  /** What a takeover claim is named after: the file's token, or for a lock without one, its inode and time. */
  token: string;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const token = randomUUID();
  // Written and synced under a private name, then linked into place: a lock that exists always names its holder.
  const draft = join(dataDir, `${LOCK_FILE}.${process.pid}.${token}.draft`);
  const handle = await open(draft, 'wx');
  try {
    await handle.writeFile(`${process.pid}\n${token}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await acquire(dataDir, draft, token);
  } finally {
    await rm(draft, { force: true });
  }
  const lockPath = join(dataDir, LOCK_FILE);
  return {
    release: async () => {
      // Never remove a lock that is no longer ours (taken over by a process that thought we were gone).
      if ((await readLockFile(lockPath))?.token === token) await rm(lockPath, { force: true });
    },
  };
}

async function acquire(dataDir: string, draft: string, token: string): Promise<void> {
  const lockPath = join(dataDir, LOCK_FILE);
  const waitUntil = Date.now() + TAKEOVER_WAIT_MS;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // link fails atomically when the lock exists.
    if (await linkExclusively(draft, lockPath)) return;
    const chain = await readChain(dataDir);
    const holder = chain?.at(-1);
    if (!chain || !holder) continue; // Released meanwhile: try again.
    if (holder.pid !== undefined && isRunning(holder.pid)) {
      // The holder of LOCK itself, or a live process between its takeover claim and the replacement.
      if (chain.length === 1 || Date.now() > waitUntil) throw new DataDirLocked(dataDir, holder.pid);
      await sleep(TAKEOVER_POLL_MS);
      continue;
    }
    const claim = join(dataDir, `${TAKEOVER_PREFIX}${holder.token}`);
    if (!(await linkExclusively(draft, claim))) continue; // Another process claimed it first.
    // A takeover may have completed (and cleared its claims) between our read and our claim; then the name
    // was free again but our claim is no longer reachable from LOCK, and LOCK is someone else's.
    if ((await readChain(dataDir))?.at(-1)?.token !== token) {
      await removeIfOurs(claim, token);
      continue;
    }
    // Nobody else can replace LOCK now: the only way is a claim on the stale end, and that end is ours.
    await rename(draft, lockPath);
    await removeStaleClaims(dataDir, token);
    return;
  }
  throw new Error(`DATA_DIR ${dataDir}: the lock kept changing; is a process starting in a loop?`);
}

async function linkExclusively(existing: string, newPath: string): Promise<boolean> {
  try {
    await link(existing, newPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** LOCK, then each takeover claim made on the previous file; undefined when there is no LOCK. */
async function readChain(dataDir: string): Promise<LockFile[] | undefined> {
  const root = await readLockFile(join(dataDir, LOCK_FILE));
  if (!root) return undefined;
  const chain = [root];
  for (;;) {
    const next = await readLockFile(join(dataDir, `${TAKEOVER_PREFIX}${chain.at(-1)!.token}`));
    if (!next || chain.some(({ token }) => token === next.token)) return chain;
    chain.push(next);
  }
}

async function readLockFile(path: string): Promise<LockFile | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // Content and inode read through one handle, so both describe the same file.
    const [text, stats] = await Promise.all([handle.readFile('utf8'), handle.stat()]);
    const [pidLine = '', tokenLine = ''] = text.split('\n');
    const pid = Number(pidLine.trim());
    return {
      pid: Number.isSafeInteger(pid) && pid > 0 ? pid : undefined,
      // A lock written before tokens existed (or garbage) is named by its inode and modification time.
      token: /^[0-9a-f-]{36}$/.test(tokenLine) ? tokenLine : `i${stats.ino}-${stats.mtimeMs}`,
    };
  } finally {
    await handle.close();
  }
}

async function removeIfOurs(path: string, token: string): Promise<void> {
  if ((await readLockFile(path))?.token === token) await rm(path, { force: true });
}

/**
 * Once LOCK is ours, every claim left is unreachable from it (claims on the files we replaced, or a late
 * claimant's, which then finds it is not the end of the chain and retries). A claim on our own lock is
 * left alone: it is someone taking over from us.
 */
async function removeStaleClaims(dataDir: string, token: string): Promise<void> {
  const claims = (await readdir(dataDir)).filter(
    (name) => name.startsWith(TAKEOVER_PREFIX) && name !== `${TAKEOVER_PREFIX}${token}`,
  );
  await Promise.all(claims.map((name) => rm(join(dataDir, name), { force: true })));
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
