import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
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
  const reopen = async (path = dataDir.path) => {
    const store = await openFileStore(path);
    openStores.push(store);
    return store;
  };
  beforeEach(async () => {
    dataDir = await makeTempDir('file-store');
  });
  afterEach(async () => {
    await Promise.all(openStores.splice(0).map((store) => store.close()));
    await dataDir.remove();
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
    const [documentFile] = await readdir(dataDir.path);
    await writeFile(join(dataDir.path, `${documentFile}.0f9e.tmp`), '{"etag":"torn","doc":{"id":"a","pk"');

    const reopened = await reopen();
    expect(await readdir(dataDir.path)).toStrictEqual([documentFile]);
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
    const [documentFile] = await readdir(dataDir.path);
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
