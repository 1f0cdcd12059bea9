import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import type { Doc, Store } from '../../functions/adapters/store/store.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

interface Note extends Doc {
  text: string;
  tags: { name: string }[];
}

let dir: TempDir;
let store: Store;
beforeEach(async () => {
  dir = await makeTempDir('file-store-shared');
  store = await openFileStore(dir.path);
});
afterEach(async () => {
  await store.close();
  await dir.remove();
});

const note = (id: string, text: string): Note => ({
  id,
  pk: 'p1',
  type: 'note',
  text,
  tags: [{ name: 'a' }],
});

describe('file store: read-only queries and partition versions', () => {
  it('a read-only query hands out one frozen copy per document version; a plain query a copy of its own', async () => {
    await store.create(note('n1', 'first'));
    const [shared] = await store.query<Note>({ pk: 'p1', type: 'note', readOnly: true });
    expect(Object.isFrozen(shared!.doc) && Object.isFrozen(shared!.doc.tags[0])).toBe(true);
    expect(() => {
      shared!.doc.tags[0]!.name = 'changed';
    }).toThrow(TypeError);
    const [again] = await store.query<Note>({ pk: 'p1', type: 'note', readOnly: true });
    expect(again!.doc).toBe(shared!.doc);
    const [own] = await store.query<Note>({ pk: 'p1', type: 'note' });
    own!.doc.tags[0]!.name = 'mine';
    expect((await store.read<Note>('p1', 'n1'))!.doc.tags[0]!.name).toBe('a');

    await store.replace({ ...note('n1', 'second') }, again!.etag);
    const [next] = await store.query<Note>({ pk: 'p1', type: 'note', readOnly: true });
    expect(next!.doc.text).toBe('second');
    expect(shared!.doc.text).toBe('first');
  });

  it('the partition version moves with every write to that partition only, not with reads', async () => {
    const v0 = store.partitionVersion!('p1');
    const other = store.partitionVersion!('p2');
    const created = await store.create(note('n1', 'x'));
    const v1 = store.partitionVersion!('p1');
    expect(v1).not.toBe(v0);
    await store.read('p1', 'n1');
    await store.query({ pk: 'p1', type: 'note', readOnly: true });
    expect(store.partitionVersion!('p1')).toBe(v1);
    await store.replace(note('n1', 'y'), created.etag);
    expect(store.partitionVersion!('p1')).not.toBe(v1);
    expect(store.partitionVersion!('p2')).toBe(other);
    // A failed write changes nothing.
    await expect(store.replace(note('n1', 'z'), created.etag)).rejects.toThrow();
    const v2 = store.partitionVersion!('p1');
    await expect(store.create(note('n1', 'z'))).rejects.toThrow();
    expect(store.partitionVersion!('p1')).toBe(v2);
  });
});
