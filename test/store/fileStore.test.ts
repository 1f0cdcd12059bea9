import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FileStoreOptions, openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Doc, Store } from '../../functions/adapters/store/store.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';
import { describeStoreContract } from './storeContract.js';

interface Note extends Doc {
  title: string;
}

const note = (pk: string, id: string, title = 'first'): Note => ({ id, pk, type: 'note', title });

let contractDir: TempDir;
beforeAll(async () => {
  contractDir = await makeTempDir('file-store-contract');
});
afterAll(async () => {
  await contractDir?.remove();
});

describeStoreContract('file store', () => openFileStore(contractDir.path));

describe('file store on disk', () => {
  let dataDir: TempDir;
  const openStores: Store[] = [];
  const reopen = async (path = dataDir.path, options?: FileStoreOptions) => {
    const store = await openFileStore(path, options);
    openStores.push(store);
    return store;
  };
  beforeEach(async () => {
    dataDir = await makeTempDir('file-store');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(openStores.splice(0).map((store) => store.close()));
    await dataDir.remove();
  });

  const documentFiles = async () => (await readdir(dataDir.path)).filter((name) => name.endsWith('.json'));
  const fileHandlePrototype = async () => {
    const probe = await open(join(dataDir.path, 'probe'), 'w');
    await probe.close();
    return Object.getPrototypeOf(probe);
  };

  const fileOf = (pk: string, id: string) =>
    `${createHash('sha256')
      .update(JSON.stringify([pk, id]))
      .digest('hex')}.json`;

  it('#11: a new document gets its file at once; a file that cannot be written fails its own create', async () => {
    const store = await reopen();
    await store.create(note('pk', 'a'));
    expect(await documentFiles()).toEqual([fileOf('pk', 'a')]);
    // Something that is not a file where the next document's file goes (as the reliability suite's poison does).
    await mkdir(join(dataDir.path, fileOf('pk', 'blocked')));
    await expect(store.create(note('pk', 'blocked'))).rejects.toThrow();
    expect(await store.read('pk', 'blocked')).toBeUndefined();
  });

  it('#11: concurrent replaces are made durable together by the write log, with no file or fsync of their own', async () => {
    const store = await reopen();
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.create(note('pk', `n${i}`))),
    );
    const filesBefore = await documentFiles();
    const prototype = await fileHandlePrototype();
    const datasync = vi.spyOn(prototype, 'datasync');
    const sync = vi.spyOn(prototype, 'sync');

    await Promise.all(created.map(({ doc, etag }) => store.replace({ ...doc, title: 'second' }, etag)));
    // The first append syncs on its own; the 49 that arrived meanwhile share the next sync.
    expect(datasync.mock.calls.length).toBeLessThanOrEqual(2);
    expect(sync).not.toHaveBeenCalled();
    expect(await documentFiles()).toEqual(filesBefore);
    const log = await readFile(join(dataDir.path, 'store.journal'), 'utf8');
    expect(log.match(/"title":"second"/g)).toHaveLength(50);
  });

  it('#11: a killed process leaves the latest versions in the log only, and the next start reads them', async () => {
    const store = await reopen();
    const created = await store.create(note('pk', 'a'));
    const replaced = await store.replace({ ...created.doc, title: 'second' }, created.etag);
    // No close: as after a kill -9, nothing was copied to the files, which still hold the first version.
    expect(await readFile(join(dataDir.path, fileOf('pk', 'a')), 'utf8')).toContain('"title":"first"');
    const reopened = await openFileStore(dataDir.path);
    openStores.push(reopened);
    expect(await reopened.read('pk', 'a')).toStrictEqual(replaced);
  });

  it('#11: checkpoints copy the log to the files, and the log then compacts them away, losing nothing', async () => {
    const options = { checkpointDocuments: 8, logCompactionBytes: 4096 };
    const store = await reopen(dataDir.path, options);
    const written = new Map<string, string>();
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 20; i++) {
        const id = `n${i}`;
        const current = await store.read<Note>('pk', id);
        const title = `round ${round}`;
        if (current) await store.replace({ ...current.doc, title }, current.etag);
        else await store.create(note('pk', id, title));
        written.set(id, title);
      }
    }
    // Let a checkpoint in progress finish, without closing (which would copy everything).
    for (let i = 0; i < 50 && (await documentFiles()).length < 20; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect((await documentFiles()).length).toBe(20);
    const log = await readFile(join(dataDir.path, 'store.journal'), 'utf8');
    // 120 writes of ~100 bytes each would be over 12 KiB without compaction.
    expect(log.length).toBeLessThan(3 * 4096);

    const reopened = await openFileStore(dataDir.path);
    openStores.push(reopened);
    for (const [id, title] of written) expect((await reopened.read<Note>('pk', id))?.doc.title).toBe(title);
  });

  it('#11: a write log that cannot be written stops the store for good and says so once', async () => {
    const fatal = vi.fn();
    const store = await reopen(dataDir.path, { onFatalError: fatal });
    const a = await store.create(note('pk', 'a'));
    const b = await store.create(note('pk', 'b'));
    const prototype = await fileHandlePrototype();
    const enospc = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    vi.spyOn(prototype, 'appendFile').mockRejectedValue(enospc);
    await expect(store.replace({ ...a.doc, title: 'second' }, a.etag)).rejects.toThrow('ENOSPC');
    vi.restoreAllMocks();
    await expect(store.replace({ ...b.doc, title: 'second' }, b.etag)).rejects.toThrow('ENOSPC');
    expect(fatal).toHaveBeenCalledTimes(1);
    // What was acknowledged stays readable; what failed was never stored.
    expect(await store.read('pk', 'a')).toStrictEqual(a);
    expect(await store.read('pk', 'b')).toStrictEqual(b);
  });

  it('keeps documents, etags and queries across close and reopen', async () => {
    const first = await reopen();
    const created = await first.create(note('2026-11', 'a', '한글 제목'));
    await first.close();

    const second = await reopen();
    expect(await second.read('2026-11', 'a')).toStrictEqual(created);
    expect(await second.query({ type: 'note', where: { title: '한글 제목' } })).toStrictEqual([created]);
    const replaced = await second.replace(note('2026-11', 'a', 'second'), created.etag);
    await second.close();

    expect(await (await reopen()).read('2026-11', 'a')).toStrictEqual(replaced);
  });

  it('stores ids and partition keys that are hostile as file names, each separately', async () => {
    const keys = [
      ['..', '../../escape'],
      ['a/b', 'c\\d'],
      ['', ''],
      ['nul\0pk', 'con'],
      ['case', 'A'],
      ['case', 'a'],
      ['long', 'x'.repeat(1000)],
      ['["a","b"]', 'c'],
      ['a', '"b","c"]'],
    ];
    const store = await reopen();
    for (const [pk, id] of keys) await store.create(note(pk!, id!, `${pk}|${id}`));
    await store.close();

    const reopened = await reopen();
    for (const [pk, id] of keys) {
      expect((await reopened.read<Note>(pk!, id!))?.doc.title).toBe(`${pk}|${id}`);
    }
    expect(await readdir(join(dataDir.path, '..'))).not.toContain('escape');
  });

  it('creates a missing data directory, parents included', async () => {
    const nested = join(dataDir.path, 'deep', 'data');
    const store = await reopen(nested);
    await store.create(note('pk', 'a'));
    expect(await (await reopen(nested)).read('pk', 'a')).toBeDefined();
  });

  it('removes stray temp files of unfinished writes at open and keeps the documents', async () => {
    const store = await reopen();
    const created = await store.create(note('pk', 'a'));
    await store.close();
    const before = (await readdir(dataDir.path)).sort();
    const documentFile = before.find((name) => name.endsWith('.json'));
    await writeFile(join(dataDir.path, `${documentFile}.0f9e.tmp`), '{"etag":"torn","doc":{"id":"a","pk"');

    const reopened = await reopen();
    expect((await readdir(dataDir.path)).sort()).toStrictEqual(before);
    expect(await reopened.read('pk', 'a')).toStrictEqual(created);
  });

  it('refuses to open a directory holding a damaged document file, naming the file', async () => {
    await writeFile(join(dataDir.path, 'damaged.json'), '{"etag":"x","doc":{"id":');
    await expect(openFileStore(dataDir.path)).rejects.toThrow(/damaged\.json/);
  });

  it("refuses to open a directory holding a document under another document's file name", async () => {
    const store = await reopen();
    const created = await store.create(note('pk', 'a'));
    await store.close();
    const documentFile = (await readdir(dataDir.path)).find((name) => name.endsWith('.json'));
    await writeFile(join(dataDir.path, documentFile!), JSON.stringify({ ...created, doc: note('pk', 'b') }));
    await expect(openFileStore(dataDir.path)).rejects.toThrow(documentFile);
  });

  it('#11: a document holding a body nested 3,500 deep is created, read, queried and reloaded like any other', async () => {
    const depth = 3500;
    const body = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    const store = await reopen();
    const created = await store.create({ ...note('pk', 'deep'), body });
    const depthOf = (value: unknown) => {
      let levels = 0;
      for (let node = value; Array.isArray(node); node = node[0]) levels++;
      return levels;
    };
    expect(depthOf(created.doc.body)).toBe(depth);
    expect(depthOf((await store.read<Note & { body: unknown }>('pk', 'deep'))?.doc.body)).toBe(depth);
    expect(await store.query({ pk: 'pk', type: 'note' })).toHaveLength(1);
    await store.replace({ ...created.doc, title: 'second' }, created.etag);
    await store.close();
    const reopened = await reopen();
    expect((await reopened.read<Note>('pk', 'deep'))?.doc.title).toBe('second');
  });

  it('refuses operations after close', async () => {
    const store = await reopen();
    await store.close();
    await expect(store.create(note('pk', 'a'))).rejects.toThrow(/closed/);
    await expect(store.read('pk', 'a')).rejects.toThrow(/closed/);
  });
});
