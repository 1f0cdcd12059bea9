/**
 * The Store port: the handful of Cosmos DB operations the app needs, with Cosmos semantics.
 * Adapters: Cosmos DB (`cosmosStore.ts`) and the embedded durable file store (`fileStore.ts`).
 */

/** Every stored document. `pk` is the partition key value (channel-scoped routing month). */
export interface Doc {
  id: string;
  pk: string;
  type: string;
}

export interface Stored<T extends Doc> {
  doc: T;
  etag: string;
}

export type Scalar = string | number | boolean;

/** A single-partition (or, with pk omitted, cross-partition) query: type equality plus field equalities. */
export interface DocQuery {
  pk?: string;
  type: string;
  where?: Record<string, Scalar>;
  /**
   * The caller only reads the results: the store may hand out shared, frozen documents instead of a copy each
   * (the file store parses a document version once for all such reads).
   */
  readOnly?: boolean;
}

export interface Store {
  /** Point read; undefined when absent. */
  read<T extends Doc>(pk: string, id: string): Promise<Stored<T> | undefined>;
  /** Create if absent; throws ConflictError (Cosmos 409) when a document with that id exists in the partition. */
  create<T extends Doc>(doc: T): Promise<Stored<T>>;
  /** Conditional replace; throws PreconditionFailedError (Cosmos 412) when the etag is stale, NotFoundError when absent. */
  replace<T extends Doc>(doc: T, ifMatch: string): Promise<Stored<T>>;
  query<T extends Doc>(q: DocQuery): Promise<Stored<T>[]>;
  close(): Promise<void>;
  /**
   * A value that changes with every write to the partition, read with no I/O, so a figure computed from the
   * partition can be kept until its next write. Absent where the store cannot tell (Cosmos DB): nothing is kept.
   */
  partitionVersion?(pk: string): number;
  /** Like partitionVersion, over every partition at once: changes with every write anywhere. */
  storeVersion?(): number;
}

export class ConflictError extends Error {
  readonly status = 409;
  constructor(pk: string, id: string) {
    super(`document ${id} already exists in partition ${pk}`);
    this.name = 'ConflictError';
  }
}

export class PreconditionFailedError extends Error {
  readonly status = 412;
  constructor(pk: string, id: string) {
    super(`document ${id} in partition ${pk} was changed by another writer (etag mismatch)`);
    this.name = 'PreconditionFailedError';
  }
}

export class NotFoundError extends Error {
  readonly status = 404;
  constructor(pk: string, id: string) {
    super(`document ${id} not found in partition ${pk}`);
    this.name = 'NotFoundError';
  }
}
