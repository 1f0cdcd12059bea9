import type { FileHandle } from 'node:fs/promises';
import { open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tableCrc32 } from './journalFormat.js';

/**
 * `<journal>.mark`: the journal's generation and how many of its bytes had been synced, rewritten after every
 * sync. It is what lets a start tell a journal that was cut short or deleted from one that is new.
 *
 * It is rewritten in place without its own fsync: a `kill -9` keeps it (the page cache outlives the process),
 * and since it is written only after the journal bytes it counts are synced, a power cut can leave it behind
 * the journal, never ahead of it. Only its creation is synced, so that "the journal existed" survives anything.
 */
export interface JournalMark {
  generation: number;
  durableBytes: number;
}

export type MarkReading =
  | { state: 'absent' }
  /** The file exists but does not hold a mark: the journal existed, its length is unknown. */
  | { state: 'unreadable' }
  | { state: 'present'; mark: JournalMark };

export function markPath(journalPath: string): string {
  return `${journalPath}.mark`;
}

/** Fixed width, so rewriting it in place never leaves a longer old value's tail behind. */
function encodeMark({ generation, durableBytes }: JournalMark): Buffer {
  const payload = `${pad(generation)} ${pad(durableBytes)}`;
  return Buffer.from(`${payload} ${checksum(payload)}\n`, 'latin1');
}

function pad(value: number): string {
  return String(value).padStart(16, '0');
}

function checksum(payload: string): string {
  return tableCrc32(Buffer.from(payload, 'latin1')).toString(16).padStart(8, '0');
}

export async function readMark(path: string): Promise<MarkReading> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw error;
  }
  const match = /^(\d{16}) (\d{16}) ([0-9a-f]{8})\n$/.exec(text);
  if (!match || checksum(`${match[1]} ${match[2]}`) !== match[3]) return { state: 'unreadable' };
  return { state: 'present', mark: { generation: Number(match[1]), durableBytes: Number(match[2]) } };
}

export class MarkFile {
  private constructor(private readonly file: FileHandle) {}

  /** Opens the mark for rewriting; a mark created here is made durable (with its directory entry) at once. */
  static async open(path: string, initial: JournalMark): Promise<MarkFile> {
    let file: FileHandle;
    let created = false;
    try {
      file = await open(path, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      file = await open(path, 'wx');
      created = true;
    }
    const mark = new MarkFile(file);
    await mark.write(initial);
    if (created) {
      await file.sync();
      await syncDirectory(path);
    }
    return mark;
  }

  async write(mark: JournalMark): Promise<void> {
    const bytes = encodeMark(mark);
    await this.file.write(bytes, 0, bytes.length, 0);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** Makes a created or renamed file's directory entry durable. */
export function syncDirectory(path: string): Promise<void> {
  return syncDir(dirname(path));
}

/** Makes the entries of `dir` (files created or renamed in it) durable. */
export async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
