import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Journal } from '../journal/journal.js';
import { syncDir } from '../journal/journalMark.js';
import {
  ConflictError,
  type Doc,
  type DocQuery,
  NotFoundError,
  PreconditionFailedError,
  type Store,
  type Stored,
} from './store.js';

export interface FileStoreOptions {
  /** Open a damaged write log anyway, with what can be read (see Journal's acceptLoss). The operator's choice. */
  acceptLoss?: boolean;
  /**
   * Called once when the write log cannot be written (a full disk, an I/O error): every later write fails, and
   * the process should exit so that a restart reads what reached the disk.
   */
  onFatalError?: (error: unknown) => void;
  /** Documents written since the last checkpoint that start the next one. Default 1,024. */
  checkpointDocuments?: number;
  /** The log's size that makes it compact (what the files do not hold yet is kept). Default 8 MiB. */
  logCompactionBytes?: number;
}

/**
 * The embedded durable store for `npm start`: one JSON file per document in `dir`, with Cosmos DB semantics
 * (409 on duplicate create, 412 on a stale etag). Every document is held in memory, so reads and queries
 * never touch the disk; a write returns only once it is durable.
 *
 * A write is made durable by one append to the store's write log (`store.journal`, group-committed: concurrent
 * writes share an fdatasync) rather than by a file of its own (two fsyncs and a rename each). The documents the
 * log holds are copied to their files in the background, a checkpoint of many at a time, after which the log
 * compacts them away; a start reads the files, then replays the log over them.
 */
export async function openFileStore(dir: string, options: FileStoreOptions = {}): Promise<Store> {
  await createDirDurably(dir);
  const names = await readdir(dir);
  // A temp file is a write that never returned (crash before its rename), so it was never acknowledged.
  await Promise.all(names.filter((name) => name.endsWith(TEMP_SUFFIX)).map((name) => rm(join(dir, name))));
  const store = new FileStore(dir, options.checkpointDocuments ?? 1024);
  const documentFiles = names.filter((name) => name.endsWith(DOC_SUFFIX));
  for (let start = 0; start < documentFiles.length; start += LOAD_BATCH) {
    const batch = documentFiles.slice(start, start + LOAD_BATCH);
    for (const entry of await Promise.all(batch.map((name) => loadDocumentFile(dir, name)))) {
      store.remember(entry);
    }
  }
  await store.openLog(options);
  return store;
}

const DOC_SUFFIX = '.json';
const TEMP_SUFFIX = '.tmp';
const LOG_NAME = 'store.journal';
/** Bounds open file handles while loading or checkpointing, so a large store cannot hit EMFILE. */
const LOAD_BATCH = 64;

/**
 * A document in memory: parsed, to match queries against, and as its file's JSON text, which every read
 * parses into the caller's own copy (JSON.parse has no recursion limit; structuredClone overflows the stack
 * on a document nested a few thousand levels deep, such as a dead letter's hostile body).
 */
interface Entry {
  stored: Stored<Doc>;
  text: string;
  /** The document parsed once and frozen, for read-only queries (DocQuery.readOnly). */
  shared?: Doc;
}

class FileStore implements Store {
  private readonly partitions = new Map<string, Map<string, Entry>>();
  /** Tail of the write chain per document: writes to one document run one at a time, so check-and-set is atomic. */
  private readonly writeTails = new Map<string, Promise<void>>();
  /** Writes remembered per partition (Store.partitionVersion). */
  private readonly versions = new Map<string, number>();
  /** Writes remembered in all (Store.storeVersion). */
  private writes = 0;
  private log: Journal<Stored<Doc>> | undefined;
  /** Versions handed to the log that their files do not hold yet, by file key: what a log compaction keeps. */
  private readonly notInFiles = new Map<string, Entry>();
  private checkpointing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly checkpointDocuments: number,
  ) {}

  async openLog({ acceptLoss, onFatalError, logCompactionBytes }: FileStoreOptions): Promise<void> {
    this.log = await Journal.open<Stored<Doc>>(join(this.dir, LOG_NAME), {
      compactionThresholdBytes: logCompactionBytes ?? 8 * 1024 * 1024,
      acceptLoss,
      // Each record is the journal's own fresh parse of its line: kept as it is, beside its text.
      replay: (stored) => {
        const entry: Entry = { stored, text: JSON.stringify(stored) };
        this.remember(entry);
        this.notInFiles.set(documentKey(stored.doc.pk, stored.doc.id), entry);
      },
      snapshot: () => [...this.notInFiles.values()].map((entry) => entry.stored),
      onFailure: (error) => {
        console.error(
          `file store ${this.dir}: its write log cannot be written, so no write is accepted any more`,
        );
        onFatalError?.(error);
      },
    });
  }

  remember(entry: Entry): void {
    const { pk, id } = entry.stored.doc;
    let partition = this.partitions.get(pk);
    if (!partition) {
      partition = new Map();
      this.partitions.set(pk, partition);
    }
    partition.set(id, entry);
    this.versions.set(pk, (this.versions.get(pk) ?? 0) + 1);
    this.writes += 1;
  }

  partitionVersion(pk: string): number {
    return this.versions.get(pk) ?? 0;
  }

  storeVersion(): number {
    return this.writes;
  }

  async read<T extends Doc>(pk: string, id: string): Promise<Stored<T> | undefined> {
    this.assertOpen();
    const entry = this.partitions.get(pk)?.get(id);
    return entry && copyOf<T>(entry);
  }

  create<T extends Doc>(doc: T): Promise<Stored<T>> {
    return this.write(doc, (existing) => {
      if (existing) throw new ConflictError(doc.pk, doc.id);
    });
  }

  replace<T extends Doc>(doc: T, ifMatch: string): Promise<Stored<T>> {
    return this.write(doc, (existing) => {
      if (!existing) throw new NotFoundError(doc.pk, doc.id);
      if (existing.etag !== ifMatch) throw new PreconditionFailedError(doc.pk, doc.id);
    });
  }

  async query<T extends Doc>(q: DocQuery): Promise<Stored<T>[]> {
    this.assertOpen();
    const partitions = q.pk === undefined ? [...this.partitions.values()] : [this.partitions.get(q.pk)];
    const where = Object.entries(q.where ?? {});
    const results: Stored<T>[] = [];
    for (const partition of partitions) {
      for (const entry of partition?.values() ?? []) {
        const fields = entry.stored.doc as unknown as Record<string, unknown>;
        if (entry.stored.doc.type === q.type && where.every(([field, value]) => fields[field] === value)) {
          results.push(q.readOnly ? sharedOf<T>(entry) : copyOf<T>(entry));
        }
      }
    }
    return results;
  }

  /** Waits for the writes in progress, copies what only the log holds to the files, and closes the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.writeTails.values());
    await this.checkpointing;
    if (this.notInFiles.size > 0) await this.checkpoint().catch(() => {});
    await this.log?.close();
  }

  private async write<T extends Doc>(
    doc: T,
    check: (existing: Stored<Doc> | undefined) => void,
  ): Promise<Stored<T>> {
    this.assertOpen();
    const key = documentKey(doc.pk, doc.id);
    const written = (this.writeTails.get(key) ?? Promise.resolve()).then(async () => {
      const existing = this.partitions.get(doc.pk)?.get(doc.id);
      check(existing?.stored);
      // Round-trip through JSON so the stored document is exactly what a reload (or Cosmos DB) would return.
      const text = JSON.stringify({ doc, etag: randomUUID() });
      const entry: Entry = { stored: JSON.parse(text), text };
      if (existing) await this.appendToLog(key, entry);
      else {
        // A new document gets its file at once, so a file that cannot be written fails its own create, loudly,
        // rather than every later checkpoint in the background.
        await replaceFile(join(this.dir, `${key}${DOC_SUFFIX}`), text);
        await syncDir(this.dir);
      }
      this.remember(entry);
      if (this.notInFiles.size >= this.checkpointDocuments)
        this.checkpointing ??= this.checkpointInBackground();
      return copyOf<T>(entry);
    });
    const tail = written.then(
      () => undefined,
      () => undefined,
    );
    this.writeTails.set(key, tail);
    void tail.then(() => {
      if (this.writeTails.get(key) === tail) this.writeTails.delete(key);
    });
    return written;
  }

  private async appendToLog(key: string, entry: Entry): Promise<void> {
    // In the log's state from this tick on (its snapshot must cover every append), readable once durable.
    this.notInFiles.set(key, entry);
    try {
      await this.log!.appendJson(entry.text);
    } catch (error) {
      if (this.notInFiles.get(key) === entry) this.notInFiles.delete(key);
      throw error;
    }
  }

  private async checkpointInBackground(): Promise<void> {
    try {
      await this.checkpoint();
    } catch (error) {
      // The log still holds every document the files missed: the next checkpoint tries again.
      console.error(`file store ${this.dir}: a checkpoint failed, the write log keeps the documents:`, error);
    } finally {
      this.checkpointing = undefined;
    }
  }

  /**
   * Copies every durable version the files do not hold to its file (temp file, fsync, rename; the directory
   * synced once for all), then lets the log forget those: its next compaction leaves them out. A version still
   * on its way into the log is left for the next checkpoint.
   */
  private async checkpoint(): Promise<void> {
    const due = [...this.notInFiles].filter(([, entry]) => this.isRemembered(entry));
    const copied: [string, Entry][] = [];
    const failures: unknown[] = [];
    for (let start = 0; start < due.length; start += LOAD_BATCH) {
      const slice = due.slice(start, start + LOAD_BATCH);
      const results = await Promise.allSettled(
        slice.map(([key, entry]) => replaceFile(join(this.dir, `${key}${DOC_SUFFIX}`), entry.text)),
      );
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') copied.push(slice[i]!);
        else failures.push(result.reason);
      });
    }
    await syncDir(this.dir);
    for (const [key, entry] of copied) if (this.notInFiles.get(key) === entry) this.notInFiles.delete(key);
    // The ones that failed stay in the log, for the next checkpoint.
    if (failures.length > 0)
      throw new AggregateError(failures, `${failures.length} document file(s) not written`);
  }

  private isRemembered(entry: Entry): boolean {
    return this.partitions.get(entry.stored.doc.pk)?.get(entry.stored.doc.id) === entry;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`file store ${this.dir} is closed`);
  }
}

/**
 * File name stem for a document: a hash, because ids and partition keys may hold any character
 * (`/`, `..`, NUL), be longer than a file name may be, or differ only in case on a case-insensitive disk.
 */
function documentKey(pk: string, id: string): string {
  return createHash('sha256')
    .update(JSON.stringify([pk, id]))
    .digest('hex');
}

function copyOf<T extends Doc>(entry: Entry): Stored<T> {
  const { doc } = JSON.parse(entry.text) as Stored<T>;
  return { doc, etag: entry.stored.etag };
}

function sharedOf<T extends Doc>(entry: Entry): Stored<T> {
  entry.shared ??= deepFrozen((JSON.parse(entry.text) as Stored<Doc>).doc);
  return { doc: entry.shared as T, etag: entry.stored.etag };
}

/** Freezes every object in `value`, without recursion (a document may be nested deeply). */
function deepFrozen<T>(value: T): T {
  const pending: unknown[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next !== 'object' || next === null || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const child of Object.values(next)) pending.push(child);
  }
  return value;
}

async function loadDocumentFile(dir: string, name: string): Promise<Entry> {
  const path = join(dir, name);
  const text = await readFile(path, 'utf8');
  let stored: Partial<Stored<Doc>> | undefined;
  try {
    stored = JSON.parse(text);
  } catch {
    // Falls through to the shape check below.
  }
  const doc = stored?.doc;
  if (
    typeof stored?.etag !== 'string' ||
    typeof doc?.id !== 'string' ||
    typeof doc.pk !== 'string' ||
    typeof doc.type !== 'string' ||
    // A file under another document's name (copied by hand) would split that document in two.
    name !== `${documentKey(doc.pk, doc.id)}${DOC_SUFFIX}`
  ) {
    throw new Error(`file store: ${path} is not a stored document; the data directory is damaged`);
  }
  return { stored: { doc, etag: stored.etag }, text };
}

/**
 * Temp file, fsync, rename over the target: the file is either the old or the new content. The rename is durable
 * once the directory is synced (the caller's, once for many).
 */
async function replaceFile(path: string, content: string): Promise<void> {
  const tempPath = `${path}.${randomUUID()}${TEMP_SUFFIX}`;
  try {
    const file = await open(tempPath, 'wx');
    try {
      await file.writeFile(content, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}

/** Creates `dir` (and missing parents) and makes the new directory entries themselves durable. */
async function createDirDurably(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  for (let created = resolve(dir); ; created = dirname(created)) {
    await syncDir(dirname(created));
    if (created === resolve(firstCreated) || created === dirname(created)) return;
  }
}
