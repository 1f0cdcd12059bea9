import { isDeepStrictEqual } from 'node:util';
import { ConflictError, type Doc, PreconditionFailedError, type Store, type Stored } from './store.js';

export interface UpdateOptions {
  /** Attempts before giving up with OptimisticConcurrencyError. */
  maxAttempts?: number;
  /** Backoff ceiling after the first lost race; doubles per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

export interface UpdateResult<T extends Doc> {
  /** The document as stored after the call (undefined when it is still absent). */
  stored: Stored<T> | undefined;
  /** Whether this call wrote. */
  changed: boolean;
  /** The document as it was read in the attempt that decided the outcome. */
  previous: T | undefined;
}

export class OptimisticConcurrencyError extends Error {
  constructor(pk: string, id: string, attempts: number) {
    super(
      `gave up updating document ${id} in partition ${pk}: other writers changed it ${attempts} times in a row`,
    );
    this.name = 'OptimisticConcurrencyError';
  }
}

/**
 * Read → pure update → conditional write, retried when another writer got there first.
 * `update` returns the new document, or undefined (or an unchanged copy) to leave it as it is.
 */
export async function updateDocument<T extends Doc>(
  store: Store,
  pk: string,
  id: string,
  update: (current: T | undefined) => T | undefined,
  options: UpdateOptions = {},
): Promise<UpdateResult<T>> {
  const { maxAttempts = 10, baseDelayMs = 20, maxDelayMs = 1000, random = Math.random } = options;
  for (let attempt = 1; ; attempt++) {
    const current = await store.read<T>(pk, id);
    const previous = current?.doc;
    // A fresh copy each attempt, so an update that mutates its argument cannot leak into `previous` or a retry.
    const next = update(previous === undefined ? undefined : structuredClone(previous));
    if (next === undefined || isDeepStrictEqual(next, previous)) {
      return { stored: current, changed: false, previous };
    }
    if (next.pk !== pk || next.id !== id) {
      throw new Error(
        `update of document ${id} in partition ${pk} returned document ${next.id} in ${next.pk}`,
      );
    }
    try {
      const stored = current ? await store.replace(next, current.etag) : await store.create(next);
      return { stored, changed: true, previous };
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof PreconditionFailedError)) throw error;
      if (attempt >= maxAttempts) throw new OptimisticConcurrencyError(pk, id, attempt);
      // Full jitter: spreads the losers of a race so they do not collide again in lockstep.
      await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
