import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface JournalOptions<R> {
  compactionThresholdBytes: number;
  /** Called on open with each stored record, in order, to rebuild the owner's state. */
  replay: (record: R) => void;
  /** The records that rebuild the owner's current state. */
  snapshot: () => R[];
}

interface PendingAppend {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A durable append-only log of JSON records, one per line.
 *
 * `append` resolves once the record is on disk (write + fdatasync). Appends that arrive while a
 * write is in progress are grouped into the next single write + fdatasync (group commit), so
 * throughput does not fall to one fsync per record under load.
 *
 * When the file outgrows `compactionThresholdBytes` (and twice the last snapshot), the next batch
 * is replaced by a snapshot of the owner's state, written to a temporary file and renamed over
 * the journal. The snapshot must reflect every record appended so far: the owner applies a record
 * to its state in the same tick as it calls `append`.
 */
export class Journal<R> {
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  private snapshotBytes = 0;

  private constructor(
    private readonly path: string,
    private file: FileHandle,
    private sizeBytes: number,
    private readonly options: JournalOptions<R>,
  ) {}

  /** Opens (or creates) the journal and replays its records, cutting off an unfinished last write. */
  static async open<R>(path: string, options: JournalOptions<R>): Promise<Journal<R>> {
    await mkdir(dirname(path), { recursive: true });
    await rm(compactionPath(path), { force: true });
    const content = await readExisting(path);
    const { records, validBytes } = parseJournal<R>(content);
    for (const record of records) options.replay(record);
    if (validBytes < content.length) {
      console.warn(`journal ${path}: dropping ${content.length - validBytes} bytes of an unfinished write`);
      await truncate(path, validBytes);
    }
    const file = await open(path, 'a');
    if (content.length === 0) await syncDirectory(path);
    return new Journal(path, file, validBytes, options);
  }

  append(record: R): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.pending.push({ line: toLines([record]), resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.file.close();
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      const compacting = this.needsCompaction();
      // Serialised in the same tick as the splice, so a snapshot covers exactly the records taken.
      const text = compacting
        ? toLines(this.options.snapshot())
        : batch.map((append) => append.line).join('');
      try {
        await (compacting ? this.compact(text) : this.write(text));
        for (const append of batch) append.resolve();
      } catch (error) {
        // A failed write leaves the file in an unknown state: fail this and every later append.
        this.failure = error;
        for (const append of [...batch, ...this.pending.splice(0)]) append.reject(error);
      }
    }
    this.flushing = undefined;
  }

  private needsCompaction(): boolean {
    return this.sizeBytes > Math.max(this.options.compactionThresholdBytes, 2 * this.snapshotBytes);
  }

  private async write(text: string): Promise<void> {
    await this.file.appendFile(text);
    await this.file.datasync();
    this.sizeBytes += Buffer.byteLength(text);
  }

  private async compact(text: string): Promise<void> {
    const temporary = compactionPath(this.path);
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.path);
    await syncDirectory(this.path);
    await this.file.close();
    this.file = await open(this.path, 'a');
    this.sizeBytes = this.snapshotBytes = Buffer.byteLength(text);
  }
}

function toLines(records: unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

function compactionPath(path: string): string {
  return `${path}.compacting`;
}

async function readExisting(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}

/**
 * Reads records up to the first line that is not a complete record. Everything from there on was
 * written after the last fdatasync (a crash during a write can leave a torn last line, or zeros
 * where the file was extended), so none of it was ever acknowledged and it is safe to drop.
 */
function parseJournal<R>(content: Buffer): { records: R[]; validBytes: number } {
  const records: R[] = [];
  let validBytes = 0;
  for (let end = content.indexOf(0x0a); end !== -1; end = content.indexOf(0x0a, validBytes)) {
    const record = parseRecord<R>(content.subarray(validBytes, end).toString('utf8'));
    if (record === undefined) break;
    records.push(record);
    validBytes = end + 1;
  }
  return { records, validBytes };
}

function parseRecord<R>(line: string): R | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as R) : undefined;
  } catch {
    return undefined;
  }
}

/** Makes a created or renamed file's directory entry durable. */
async function syncDirectory(path: string): Promise<void> {
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
