import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openFileStore } from '../../functions/adapters/store/fileStore.js';
import { type Doc, PreconditionFailedError, type Store } from '../../functions/adapters/store/store.js';
import { OptimisticConcurrencyError, updateDocument } from '../../functions/adapters/store/updateDocument.js';
import { makeTempDir, type TempDir } from '../support/tempDir.js';

interface Counter extends Doc {
  count: number;
}

const counter = (id: string, count: number): Counter => ({ id, pk: 'pk', type: 'counter', count });
const incrementing = (id: string) => (current: Counter | undefined) => counter(id, (current?.count ?? 0) + 1);

let dataDir: TempDir;
let store: Store;
beforeAll(async () => {
  dataDir = await makeTempDir('update-with-retry');
  store = await openFileStore(dataDir.path);
});
afterAll(async () => {
  await store?.close();
  await dataDir?.remove();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The shared store with some operations replaced. */
function storeWith(overrides: Partial<Store>): Store {
  return {
    read: store.read.bind(store),
    create: store.create.bind(store),
    replace: store.replace.bind(store),
    query: store.query.bind(store),
    close: async () => {},
    ...overrides,
  };
}

/** The store, except that right after the first read another writer sneaks in a change. */
function storeWithOneRival(rivalWrite: () => Promise<unknown>): Store {
  let raced = false;
  return storeWith({
    read: async <T extends Doc>(pk: string, id: string) => {
      const result = await store.read<T>(pk, id);
      if (!raced) {
        raced = true;
        await rivalWrite();
      }
      return result;
    },
  });
}

/** The store, except that every write loses a race. */
function alwaysRacedStore(reads: { count: number }): Store {
  return storeWith({
    read: <T extends Doc>(pk: string, id: string) => {
      reads.count++;
      return store.read<T>(pk, id);
    },
    create: async (doc) => {
      throw new PreconditionFailedError(doc.pk, doc.id);
    },
    replace: async (doc) => {
      throw new PreconditionFailedError(doc.pk, doc.id);
    },
  });
}

describe('updateDocument', () => {
  it('creates an absent document', async () => {
    const result = await updateDocument<Counter>(store, 'pk', 'created', () => counter('created', 1));
    expect(result).toStrictEqual({
      stored: await store.read('pk', 'created'),
      changed: true,
      previous: undefined,
    });
  });

  it('replaces a present document and reports what it was', async () => {
    await store.create(counter('replaced', 1));
    const result = await updateDocument<Counter>(store, 'pk', 'replaced', (current) => ({
      ...current!,
      count: 2,
    }));
    expect(result.changed).toBe(true);
    expect(result.previous).toStrictEqual(counter('replaced', 1));
    expect(result.stored?.doc).toStrictEqual(counter('replaced', 2));
    expect(await store.read('pk', 'replaced')).toStrictEqual(result.stored);
  });

  it('does not write when the update returns undefined or an equal document', async () => {
    const before = await store.create(counter('unchanged', 1));
    for (const update of [() => undefined, (current: Counter | undefined) => ({ ...current! })]) {
      const result = await updateDocument<Counter>(store, 'pk', 'unchanged', update);
      expect(result).toStrictEqual({ stored: before, changed: false, previous: before.doc });
    }
    expect(await store.read('pk', 'unchanged')).toStrictEqual(before);
  });

  it('leaves an absent document absent when the update returns undefined', async () => {
    const result = await updateDocument<Counter>(store, 'pk', 'still-absent', () => undefined);
    expect(result).toStrictEqual({ stored: undefined, changed: false, previous: undefined });
    expect(await store.read('pk', 'still-absent')).toBeUndefined();
  });

  it('hands the update a copy, so mutating it does not alter the reported previous document', async () => {
    await store.create(counter('mutated', 1));
    const result = await updateDocument<Counter>(store, 'pk', 'mutated', (current) => {
      current!.count = 7;
      return current;
    });
    expect(result.previous?.count).toBe(1);
    expect(result.stored?.doc.count).toBe(7);
  });

  it('re-reads and retries when another writer replaced the document in between', async () => {
    const created = await store.create(counter('raced-replace', 1));
    const racy = storeWithOneRival(() => store.replace(counter('raced-replace', 100), created.etag));
    const result = await updateDocument<Counter>(racy, 'pk', 'raced-replace', incrementing('raced-replace'));
    expect(result.previous?.count).toBe(100);
    expect((await store.read<Counter>('pk', 'raced-replace'))?.doc.count).toBe(101);
  });

  it('re-reads and retries when another writer created the document in between', async () => {
    const racy = storeWithOneRival(() => store.create(counter('raced-create', 100)));
    const result = await updateDocument<Counter>(racy, 'pk', 'raced-create', incrementing('raced-create'));
    expect(result.previous?.count).toBe(100);
    expect((await store.read<Counter>('pk', 'raced-create'))?.doc.count).toBe(101);
  });

  it('gives up after maxAttempts with an error naming the document', async () => {
    const reads = { count: 0 };
    const attempt = updateDocument<Counter>(
      alwaysRacedStore(reads),
      'pk',
      'contested',
      incrementing('contested'),
      {
        maxAttempts: 4,
        baseDelayMs: 0,
      },
    );
    await expect(attempt).rejects.toBeInstanceOf(OptimisticConcurrencyError);
    await expect(attempt).rejects.toThrow(/contested.*pk/);
    expect(reads.count).toBe(4);
  });

  it('backs off exponentially up to the cap, scaled by the jitter', async () => {
    vi.useFakeTimers();
    const reads = { count: 0 };
    const attempt = updateDocument<Counter>(
      alwaysRacedStore(reads),
      'pk',
      'backoff',
      incrementing('backoff'),
      {
        maxAttempts: 5,
        baseDelayMs: 100,
        maxDelayMs: 250,
        random: () => 0.5,
      },
    );
    const settled = attempt.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    // Half of 100, 200, 250 (capped), 250 (capped).
    for (const delay of [50, 100, 125, 125]) {
      const readsBefore = reads.count;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(reads.count).toBe(readsBefore);
      await vi.advanceTimersByTimeAsync(1);
      expect(reads.count).toBe(readsBefore + 1);
    }
    expect(await settled).toBeInstanceOf(OptimisticConcurrencyError);
  });

  it('does not retry other errors', async () => {
    const reads = { count: 0 };
    const failing: Store = {
      ...alwaysRacedStore(reads),
      create: async () => {
        throw new Error('disk full');
      },
    };
    await expect(updateDocument<Counter>(failing, 'pk', 'failing', incrementing('failing'))).rejects.toThrow(
      'disk full',
    );
    expect(reads.count).toBe(1);
  });

  it('refuses an update that returns a different document', async () => {
    await expect(updateDocument<Counter>(store, 'pk', 'one', () => counter('other', 1))).rejects.toThrow(
      /returned document other/,
    );
    expect(await store.read('pk', 'other')).toBeUndefined();
  });
});
