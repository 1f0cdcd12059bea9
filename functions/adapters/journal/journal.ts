import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { headerLine, recordJson, recordLine, type ScannedRecord, scanJournal } from './journalFormat.js';
import { MarkFile, markPath, readMark, syncDirectory } from './journalMark.js';
import { damageOf, JournalDamagedError, keepCopy } from './journalRecovery.js';

export { JournalDamagedError } from './journalRecovery.js';

export interface JournalOptions<R> {
  compactionThresholdBytes: number;
  /** Called on open with each stored record, in order, to rebuild the owner's state. */
  replay: (record: R) => void;
  /**
   * The records that rebuild the owner's current state, as values later changes to that state do not reach
   * (they may be serialised after it has moved on).
   */
  snapshot: () => R[];
  /**
   * Open a damaged journal anyway, with every record that can still be read and applied (a copy of the
   * damaged file is kept), instead of refusing with a JournalDamagedError. For the operator, once.
   */
  acceptLoss?: boolean;
  /** Called once when a write fails. */
  onFailure?: (error: unknown) => void;
}

/** What a start found: logged, and kept for whoever wants to report it. */
export interface JournalRecovery {
  records: number;
  lastGoodOffset: number;
  /** Bytes of an unfinished last write that were cut off. */
  droppedBytes: number;
}

/**
 * How far an append must get before it resolves. `synced`: on disk (fdatasync), so it survives a power cut.
 * `written`: handed to the kernel (write), so it survives the process being killed but a power cut may lose it;
 * for records whose loss only means a redelivery the owner already treats as idempotent. A later sync covers it.
 */
export type Durability = 'synced' | 'written';

interface PendingAppend {
  json: string;
  durability: Durability;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** An append that is written and waits for a sync covering its last byte. */
interface AwaitingSync {
  end: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A durable append-only log of JSON records, one checksummed line each (see journalFormat.ts).
 *
 * `append` resolves once the record is on disk (write + fdatasync), or only written (see Durability). Appends
 * that arrive while a write is in progress are grouped into the next single write, and every synced append
 * written before an fdatasync starts resolves with it (group commit), so throughput does not fall to one fsync
 * per record under load. A `written` append is written at once, even while a sync is in progress (the next
 * sync covers it); synced appends that arrive during a sync are written together once it ends.
 *
 * When the file outgrows `compactionThresholdBytes` (and twice the last snapshot), the next batch
 * is replaced by a snapshot of the owner's state, written to a temporary file and renamed over
 * the journal as its next generation. The snapshot must reflect every record appended so far: the
 * owner applies a record to its state in the same tick as it calls `append`.
 *
 * A failed write leaves the file in an unknown state: it fails that append and every later one, for good.
 * The owner must then stop; the next start reads what actually reached the disk.
 */
export class Journal<R> {
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  /** Written appends waiting for an fdatasync, in file order. */
  private awaitingSync: AwaitingSync[] = [];
  private syncing: Promise<void> | undefined;
  /** Written (not synced) appends among the pending ones. */
  private pendingWritten = 0;
  private failure: { error: unknown } | undefined;
  private closed = false;
  private snapshotBytes = 0;

  private constructor(
    private readonly path: string,
    private file: FileHandle,
    private sizeBytes: number,
    private generation: number,
    private readonly mark: MarkFile,
    private readonly options: JournalOptions<R>,
    readonly recovery: JournalRecovery,
  ) {}

  /**
   * Opens (or creates) the journal and replays its records. An unfinished last write is cut off and
   * reported; damage to anything acknowledged refuses the start with a JournalDamagedError (a copy of the
   * file kept) unless `acceptLoss` is set.
   */
  static async open<R>(path: string, options: JournalOptions<R>): Promise<Journal<R>> {
    await mkdir(dirname(path), { recursive: true });
    await rm(compactionPath(path), { force: true });
    const content = await readExisting(path);
    const reading = await readMark(markPath(path));
    const scan = scanJournal(content ?? Buffer.alloc(0));
    const refuse = async (reason: string) =>
      new JournalDamagedError(
        path,
        reason,
        scan.records.length,
        scan.validBytes,
        content?.length,
        content && (await keepCopy(path, content)),
      );

    const reason = damageOf(path, content, scan, reading);
    if (reason !== undefined && !options.acceptLoss) throw await refuse(reason);
    if (reason !== undefined) {
      return Journal.salvage(path, content, [...scan.records, ...(scan.damage?.laterRecords ?? [])], reason, {
        generation: Math.max(scan.generation, reading.state === 'present' ? reading.mark.generation : 0),
        lastGoodOffset: scan.validBytes,
        options,
      });
    }
    for (const { record, end } of scan.records) {
      try {
        options.replay(record as R);
      } catch (error) {
        if (!options.acceptLoss)
          throw await refuse(`the record ending at offset ${end} cannot be applied: ${error}`);
        return Journal.salvage(path, content, scan.records, `a record cannot be applied: ${error}`, {
          generation: scan.generation,
          lastGoodOffset: scan.validBytes,
          options,
          // The records before this one are applied already.
          alreadyReplayed: scan.records.findIndex((scanned) => scanned.end === end),
        });
      }
    }
    const droppedBytes = (content?.length ?? 0) - scan.validBytes;
    const recovery = { records: scan.records.length, lastGoodOffset: scan.validBytes, droppedBytes };
    if (droppedBytes > 0) {
      console.warn(
        `journal ${path}: recovered ${recovery.records} records up to offset ${recovery.lastGoodOffset}; ` +
          `cut off ${droppedBytes} bytes of a write that never finished (so never acknowledged)`,
      );
      await truncate(path, scan.validBytes);
    }
    if (reading.state === 'unreadable') {
      console.warn(
        `journal ${path}: ${markPath(path)} is unreadable, so the journal's length was not checked`,
      );
    }
    const file = await open(path, 'a');
    let sizeBytes = scan.validBytes;
    let generation = scan.generation;
    if (sizeBytes === 0) {
      // A new journal (or one whose only line was torn) starts with a header naming its generation.
      generation = Math.max(generation, reading.state === 'present' ? reading.mark.generation : 0) + 1;
      const header = headerLine(generation);
      await file.appendFile(header);
      sizeBytes = Buffer.byteLength(header);
    }
    // What was read may still be only in the page cache (a kill -9 during a sync): sync it before marking it.
    await file.datasync();
    if (content === undefined) await syncDirectory(path);
    const mark = await MarkFile.open(markPath(path), { generation, durableBytes: sizeBytes });
    return new Journal(path, file, sizeBytes, generation, mark, options, recovery);
  }

  /** The operator accepted the loss: replay what can be read and applied, then start a clean generation. */
  private static async salvage<R>(
    path: string,
    content: Buffer | undefined,
    records: ScannedRecord[],
    reason: string,
    how: { generation: number; lastGoodOffset: number; options: JournalOptions<R>; alreadyReplayed?: number },
  ): Promise<Journal<R>> {
    const { generation, lastGoodOffset, options, alreadyReplayed = 0 } = how;
    const copyPath = content && (await keepCopy(path, content));
    let skipped = 0;
    for (const { record } of records.slice(alreadyReplayed)) {
      try {
        options.replay(record as R);
      } catch {
        skipped++;
      }
    }
    const file = await open(path, 'a');
    const mark = await MarkFile.open(markPath(path), { generation, durableBytes: 0 });
    const recovery = { records: records.length - skipped, lastGoodOffset, droppedBytes: 0 };
    const journal = new Journal(path, file, content?.length ?? 0, generation, mark, options, recovery);
    await journal.compact(journal.snapshotText());
    console.warn(
      `journal ${path} was damaged (${reason}); started anyway, as asked: ${recovery.records} records kept, ` +
        `${skipped} could not be applied${copyPath ? `; the damaged file is kept at ${copyPath}` : ''}`,
    );
    return journal;
  }

  append(record: R, durability: Durability = 'synced'): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    let json: string;
    try {
      json = recordJson(record);
    } catch (error) {
      // The owner has already applied the record, so its state is ahead of the file: fail like a write.
      this.fail(error);
      return Promise.reject(error);
    }
    return this.appendJson(json, durability);
  }

  /** `append` of a record the owner has serialised already: `json` must be JSON.stringify of one object. */
  appendJson(json: string, durability: Durability = 'synced'): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.pending.push({ json, durability, resolve, reject });
      if (durability === 'written') this.pendingWritten++;
      this.startWriting();
    });
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    // The end of a sync may start a write, and a write a sync.
    while (this.flushing || this.syncing) {
      await this.flushing;
      await this.syncing;
    }
    await this.file.close();
    await this.mark.close();
  }

  /**
   * Starts the writer unless it runs or has nothing to do now. Synced appends cannot be acknowledged before a sync
   * in progress ends: they wait for it and go in one write then (its end calls this), rather than a write each.
   * (Checked here, before flush starts: a flush that ended without awaiting would never be cleared.)
   */
  private startWriting(): void {
    if (this.flushing || this.pending.length === 0 || this.failure) return;
    if (this.syncing && this.pendingWritten === 0) return;
    this.flushing = this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failure) {
        // As in startWriting: synced appends wait for the sync in progress (never on the first pass, see there).
        if (this.syncing && this.pendingWritten === 0) return;
        const batch = this.pending.splice(0);
        this.pendingWritten = 0;
        try {
          if (this.needsCompaction()) {
            // The snapshot is taken in the same tick as the splice, so it covers exactly the records taken; the
            // file is replaced only once no sync is in progress on it.
            const snapshot = this.snapshotTextInSlices();
            await this.syncing;
            await this.compact(await snapshot);
            for (const append of batch) append.resolve();
            continue;
          }
          await this.write(batch.map(({ json }) => recordLine(json, this.sizeBytes)).join(''));
          for (const append of batch) {
            if (append.durability === 'written') append.resolve();
            else
              this.awaitingSync.push({ end: this.sizeBytes, resolve: append.resolve, reject: append.reject });
          }
          if (this.awaitingSync.length > 0) this.syncing ??= this.syncWritten();
        } catch (error) {
          this.fail(error);
          for (const append of [...batch, ...this.pending.splice(0), ...this.awaitingSync.splice(0)]) {
            append.reject(error);
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** fdatasyncs until no written append waits: each sync resolves every append written before it started. */
  private async syncWritten(): Promise<void> {
    try {
      while (this.awaitingSync.length > 0 && !this.failure) {
        const durableBytes = this.sizeBytes;
        try {
          await this.file.datasync();
          await this.mark.write({ generation: this.generation, durableBytes });
        } catch (error) {
          this.fail(error);
          for (const waiting of this.awaitingSync.splice(0)) waiting.reject(error);
          for (const append of this.pending.splice(0)) append.reject(error);
          return;
        }
        const covered = this.awaitingSync.findIndex((waiting) => waiting.end > durableBytes);
        for (const waiting of this.awaitingSync.splice(
          0,
          covered === -1 ? this.awaitingSync.length : covered,
        )) {
          waiting.resolve();
        }
      }
    } finally {
      this.syncing = undefined;
      this.startWriting();
    }
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    try {
      this.options.onFailure?.(error);
    } catch (callbackError) {
      console.error(`journal ${this.path}: onFailure threw`, callbackError);
    }
  }

  private needsCompaction(): boolean {
    return this.sizeBytes > Math.max(this.options.compactionThresholdBytes, 2 * this.snapshotBytes);
  }

  private snapshotText(): string {
    const generation = this.generation + 1;
    return (
      headerLine(generation) +
      this.options
        .snapshot()
        .map((record) => recordLine(recordJson(record), 0))
        .join('')
    );
  }

  /**
   * The snapshot of the owner's state as it is now (taken synchronously: every record appended so far, none
   * after), then serialised a slice at a time, yielding in between, so a snapshot of a large backlog never holds
   * the event loop. Appends made meanwhile wait for the next batch, after the compaction.
   */
  private async snapshotTextInSlices(): Promise<string> {
    const records = this.options.snapshot();
    const parts = [headerLine(this.generation + 1)];
    for (let start = 0; start < records.length; start += SNAPSHOT_SLICE) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      const slice = records.slice(start, start + SNAPSHOT_SLICE);
      parts.push(slice.map((record) => recordLine(recordJson(record), 0)).join(''));
    }
    return parts.join('');
  }

  private async write(text: string): Promise<void> {
    await this.file.appendFile(text);
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
    this.generation += 1;
    this.sizeBytes = this.snapshotBytes = Buffer.byteLength(text);
    await this.mark.write({ generation: this.generation, durableBytes: this.sizeBytes });
  }
}

/** Records serialised between two yields while compacting (a few milliseconds of work). */
const SNAPSHOT_SLICE = 256;

function compactionPath(path: string): string {
  return `${path}.compacting`;
}

async function readExisting(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
