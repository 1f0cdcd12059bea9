import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  type Doc,
  NotFoundError,
  PreconditionFailedError,
  type Store,
} from '../../functions/adapters/store/store.js';
import { updateDocument } from '../../functions/adapters/store/updateDocument.js';

interface Note extends Doc {
  title: string;
  count: number;
  done?: boolean;
  writers?: string[];
}

const CONCURRENT_WRITERS = 50;

/**
 * The behaviour every Store adapter must share. The adapter's tests share one store
 * (one emulator container per test file), so every test uses partition keys and types of its own.
 */
export function describeStoreContract(adapterName: string, openStore: () => Promise<Store>): void {
  describe(`${adapterName} honours the Store contract`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await openStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    const unique = (label: string) => `${label}-${randomUUID()}`;
    const note = (pk: string, id: string, fields: Partial<Note> = {}): Note => ({
      id,
      pk,
      type: 'note',
      title: 'first',
      count: 0,
      ...fields,
    });

    it('reads an absent document as undefined', async () => {
      expect(await store.read(unique('pk'), 'missing')).toBeUndefined();
    });

    it('reads back a created document, without system properties, with the etag create returned', async () => {
      const doc = note(unique('pk'), 'a', { writers: ['x'], done: true });
      const created = await store.create(doc);
      expect(created.doc).toStrictEqual(doc);
      expect(created.etag).toEqual(expect.any(String));
      expect(await store.read(doc.pk, doc.id)).toStrictEqual({ doc, etag: created.etag });
    });

    it('refuses to create a document twice and keeps the first', async () => {
      const first = note(unique('pk'), 'a', { title: 'first' });
      await store.create(first);
      await expect(store.create({ ...first, title: 'second' })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.read<Note>(first.pk, first.id))?.doc.title).toBe('first');
    });

    it('replaces with the current etag and hands out a new etag', async () => {
      const doc = note(unique('pk'), 'a');
      const created = await store.create(doc);
      const replaced = await store.replace({ ...doc, count: 1 }, created.etag);
      expect(replaced.doc.count).toBe(1);
      expect(replaced.etag).not.toBe(created.etag);
      expect(await store.read(doc.pk, doc.id)).toStrictEqual(replaced);
    });

    it('refuses a replace with a stale etag and keeps the newer content', async () => {
      const doc = note(unique('pk'), 'a');
      const created = await store.create(doc);
      const replaced = await store.replace({ ...doc, count: 1 }, created.etag);
      await expect(store.replace({ ...doc, count: 2 }, created.etag)).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.read(doc.pk, doc.id)).toStrictEqual(replaced);
    });

    it('refuses to replace an absent document', async () => {
      const existing = await store.create(note(unique('pk'), 'a'));
      const absent = note(existing.doc.pk, 'b');
      await expect(store.replace(absent, existing.etag)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.read(absent.pk, absent.id)).toBeUndefined();
    });

    it('keeps the same id in two partitions independent', async () => {
      const left = note(unique('left'), 'same', { title: 'left' });
      const right = note(unique('right'), 'same', { title: 'right' });
      const createdLeft = await store.create(left);
      const createdRight = await store.create(right);
      await store.replace({ ...left, count: 5 }, createdLeft.etag);
      expect(await store.read(right.pk, 'same')).toStrictEqual(createdRight);
      expect((await store.read<Note>(left.pk, 'same'))?.doc).toStrictEqual({ ...left, count: 5 });
    });

    it('hands out copies: changing a returned document does not change the store', async () => {
      const created = await store.create(note(unique('pk'), 'a', { writers: ['x'] }));
      created.doc.writers?.push('y');
      const read = await store.read<Note>(created.doc.pk, 'a');
      read?.doc.writers?.push('z');
      expect((await store.read<Note>(created.doc.pk, 'a'))?.doc.writers).toStrictEqual(['x']);
    });

    describe('queries', () => {
      const type = unique('entry');
      const pkA = unique('a');
      const pkB = unique('b');
      const entry = (pk: string, id: string, fields: Partial<Note>): Note => ({
        ...note(pk, id),
        type,
        ...fields,
      });
      const seeded = [
        entry(pkA, '1', { title: 'x', count: 1, done: true }),
        entry(pkA, '2', { title: 'x', count: 2, done: false }),
        entry(pkA, '3', { title: 'y', count: 1, done: true }),
        { ...note(pkA, '4', { title: 'x' }), type: unique('other') },
        entry(pkB, '1', { title: 'x', count: 1, done: true }),
      ];
      const ids = (results: { doc: Doc }[]) => results.map(({ doc }) => `${doc.pk}/${doc.id}`).sort();

      beforeAll(async () => {
        for (const doc of seeded) await store.create(doc);
      });

      it('finds every document of a type within one partition', async () => {
        expect(ids(await store.query({ pk: pkA, type }))).toStrictEqual([`${pkA}/1`, `${pkA}/2`, `${pkA}/3`]);
      });

      it('narrows by string, number and boolean field equality', async () => {
        expect(ids(await store.query({ pk: pkA, type, where: { title: 'x' } }))).toStrictEqual([
          `${pkA}/1`,
          `${pkA}/2`,
        ]);
        expect(ids(await store.query({ pk: pkA, type, where: { count: 1, done: true } }))).toStrictEqual([
          `${pkA}/1`,
          `${pkA}/3`,
        ]);
        expect(await store.query({ pk: pkA, type, where: { count: '1' } })).toStrictEqual([]);
        expect(await store.query({ pk: pkA, type, where: { title: 'x', missing: 'x' } })).toStrictEqual([]);
      });

      it('searches every partition when the partition key is omitted', async () => {
        expect(ids(await store.query({ type, where: { title: 'x', count: 1 } }))).toStrictEqual(
          [`${pkA}/1`, `${pkB}/1`].sort(),
        );
      });

      it('returns no documents for an unknown partition or type', async () => {
        expect(await store.query({ pk: unique('nowhere'), type })).toStrictEqual([]);
        expect(await store.query({ type: unique('nothing') })).toStrictEqual([]);
      });

      it('returns documents with etags that a replace accepts', async () => {
        const [found] = await store.query<Note>({ pk: pkB, type });
        expect(found?.doc).toStrictEqual(seeded[4]);
        const replaced = await store.replace({ ...found!.doc, title: 'z' }, found!.etag);
        expect(await store.read(pkB, '1')).toStrictEqual(replaced);
      });
    });

    it('round-trips Korean and emoji content in ids, partition keys, fields and queries', async () => {
      const doc = note(unique('채널-2026-11'), '멤버 01', { title: 'TIL 11월 1주차 🎉 — “배움”' });
      const created = await store.create(doc);
      expect(await store.read(doc.pk, doc.id)).toStrictEqual(created);
      expect(created.doc).toStrictEqual(doc);
      expect(await store.query({ pk: doc.pk, type: 'note', where: { title: doc.title } })).toStrictEqual([
        created,
      ]);
    });

    describe(`${CONCURRENT_WRITERS} concurrent writers through updateDocument`, () => {
      // A generous retry budget: these tests are about lost updates, not about how many retries a race costs.
      const options = { maxAttempts: 200, baseDelayMs: 5, maxDelayMs: 100 };
      const writers = Array.from({ length: CONCURRENT_WRITERS }, (_, index) => `writer-${index}`);

      it('lose no increment of a counter', async () => {
        const pk = unique('pk');
        const results = await Promise.all(
          writers.map(() =>
            updateDocument<Note>(
              store,
              pk,
              'counter',
              (current) =>
                current ? { ...current, count: current.count + 1 } : note(pk, 'counter', { count: 1 }),
              options,
            ),
          ),
        );
        expect((await store.read<Note>(pk, 'counter'))?.doc.count).toBe(CONCURRENT_WRITERS);
        expect(results.every((result) => result.changed)).toBe(true);
        expect(results.map((result) => result.previous?.count ?? 0).sort((a, b) => a - b)).toStrictEqual(
          writers.map((_, index) => index),
        );
      });

      it('lose no appended element of an array', async () => {
        const pk = unique('pk');
        await Promise.all(
          writers.map((writer) =>
            updateDocument<Note>(
              store,
              pk,
              'list',
              (current) => {
                const doc = current ?? note(pk, 'list', { writers: [] });
                return { ...doc, writers: [...(doc.writers ?? []), writer] };
              },
              options,
            ),
          ),
        );
        const stored = await store.read<Note>(pk, 'list');
        expect(stored?.doc.writers?.toSorted()).toStrictEqual(writers.toSorted());
      });
    });
  });
}
