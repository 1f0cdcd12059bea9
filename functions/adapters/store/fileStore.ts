import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ConflictError,
  type Doc,
  type DocQuery,
  NotFoundError,
  PreconditionFailedError,
  type Store,
  type Stored,
} from './store.js';

/**
 * The embedded durable store for `npm start`: one JSON file per document in `dir`, with Cosmos DB semantics
 * (409 on duplicate create, 412 on a stale etag). Every document is held in memory, so reads and queries
 * never touch the disk; a write returns only once it is durable.
 */
export async function openFileStore(dir: string): Promise<Store> {
  await createDirDurably(dir);
  const names = await readdir(dir);
  // A temp file is a write that never returned (crash before its rename), so it was never acknowledged.
  await Promise.all(names.filter((name) => name.endsWith(TEMP_SUFFIX)).map((name) => rm(join(dir, name))));
  const store = new FileStore(dir);
  const documentFiles = names.filter((name) => name.endsWith(DOC_SUFFIX));
  for (let start = 0; start < documentFiles.length; start += LOAD_BATCH) {
    const batch = documentFiles.slice(start, start + LOAD_BATCH);
    for (const entry of await Promise.all(batch.map((name) => loadDocumentFile(dir, name)))) {
      store.remember(entry);
    }
  }
  return store;
}

const DOC_SUFFIX = '.json';
const TEMP_SUFFIX = '.tmp';
/** Bounds open file handles while loading, so a large store cannot hit EMFILE. */
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
  private closed = false;

  constructor(private readonly dir: string) {}

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

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.writeTails.values());
  }

  private async write<T extends Doc>(
    doc: T,
    check: (existing: Stored<Doc> | undefined) => void,
  ): Promise<Stored<T>> {
    this.assertOpen();
    const key = documentKey(doc.pk, doc.id);
    const written = (this.writeTails.get(key) ?? Promise.resolve()).then(async () => {
      check(this.partitions.get(doc.pk)?.get(doc.id)?.stored);
      // Round-trip through JSON so the stored document is exactly what a reload (or Cosmos DB) would return.
      const text = JSON.stringify({ doc, etag: randomUUID() });
      const entry: Entry = { stored: JSON.parse(text), text };
      await writeFileDurably(join(this.dir, `${key}${DOC_SUFFIX}`), text);
      this.remember(entry);
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

/** Temp file, fsync, rename over the target, fsync the directory: the file is either the old or the new content. */
async function writeFileDurably(path: string, content: string): Promise<void> {
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
  await syncDir(dirname(path));
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

async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
