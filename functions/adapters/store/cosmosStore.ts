import type https from 'node:https';
import { type Container, CosmosClient, type SqlParameter } from '@azure/cosmos';
import type { TokenCredential } from '@azure/identity';
import {
  ConflictError,
  type Doc,
  type DocQuery,
  NotFoundError,
  PreconditionFailedError,
  type Store,
  type Stored,
} from './store.js';

export interface CosmosStoreOptions {
  endpoint: string;
  database: string;
  container: string;
  /** Account key; give this or `credential`. */
  key?: string;
  /** Entra ID credential, e.g. DefaultAzureCredential picking the managed identity named by AZURE_CLIENT_ID. */
  credential?: TokenCredential;
  /** Custom HTTPS agent (tests use one that trusts the emulator's self-signed certificate). */
  agent?: https.Agent;
  /** Create the database and the `/pk`-partitioned container when missing (local and test setups). */
  createIfNotExists?: boolean;
}

const PARTITION_KEY_PATH = '/pk';
const SYSTEM_PROPERTIES = ['_rid', '_self', '_ts', '_attachments', '_etag'] as const;

/** A document as Cosmos DB returns it: the app's fields plus system properties such as `_etag`. */
type CosmosResource = { _etag?: string };

export async function createCosmosStore(options: CosmosStoreOptions): Promise<Store> {
  if (!options.key && !options.credential) {
    throw new Error('Cosmos DB store needs either an account key or a token credential');
  }
  const client = new CosmosClient({
    endpoint: options.endpoint,
    key: options.key,
    aadCredentials: options.credential,
    agent: options.agent,
    connectionPolicy: {
      // The SDK retries 429s itself, honouring the server's retry-after. The wait is bounded so a
      // throttled event fails back to the queue (which redelivers it) instead of holding its session.
      retryOptions: { maxRetryAttemptCount: 9, maxWaitTimeInSeconds: 20 },
    },
  });
  const container = options.createIfNotExists
    ? await createContainerIfNotExists(client, options)
    : client.database(options.database).container(options.container);
  return new CosmosStore(client, container);
}

async function createContainerIfNotExists(
  client: CosmosClient,
  options: CosmosStoreOptions,
): Promise<Container> {
  const { database } = await client.databases.createIfNotExists({ id: options.database });
  const { container } = await database.containers.createIfNotExists({
    id: options.container,
    partitionKey: { paths: [PARTITION_KEY_PATH] },
  });
  return container;
}

class CosmosStore implements Store {
  constructor(
    private readonly client: CosmosClient,
    private readonly container: Container,
  ) {}

  async read<T extends Doc>(pk: string, id: string): Promise<Stored<T> | undefined> {
    try {
      const response = await this.container.item(id, pk).read<CosmosResource>();
      return response.resource ? toStored<T>(response.resource, response.etag) : undefined;
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async create<T extends Doc>(doc: T): Promise<Stored<T>> {
    try {
      const response = await this.container.items.create(doc);
      return toStored<T>(response.resource!, response.etag);
    } catch (error) {
      if (hasStatus(error, 409)) throw new ConflictError(doc.pk, doc.id);
      throw error;
    }
  }

  async replace<T extends Doc>(doc: T, ifMatch: string): Promise<Stored<T>> {
    try {
      const response = await this.container
        .item(doc.id, doc.pk)
        .replace(doc, { accessCondition: { type: 'IfMatch', condition: ifMatch } });
      return toStored<T>(response.resource!, response.etag);
    } catch (error) {
      if (hasStatus(error, 412)) throw new PreconditionFailedError(doc.pk, doc.id);
      if (hasStatus(error, 404)) throw new NotFoundError(doc.pk, doc.id);
      throw error;
    }
  }

  async query<T extends Doc>(q: DocQuery): Promise<Stored<T>[]> {
    const conditions = ['c.type = @type'];
    const parameters: SqlParameter[] = [{ name: '@type', value: q.type }];
    if (q.pk !== undefined) {
      // Also filtered in the SQL text, not only routed by the partitionKey option, because
      // the cosmosdb-server emulator ignores the option and would return every partition.
      conditions.push('c.pk = @pk');
      parameters.push({ name: '@pk', value: q.pk });
    }
    for (const [index, [field, value]] of Object.entries(q.where ?? {}).entries()) {
      // JSON string escapes are valid Cosmos SQL string escapes, so any field name is safe here.
      conditions.push(`c[${JSON.stringify(field)}] = @v${index}`);
      parameters.push({ name: `@v${index}`, value });
    }
    const { resources } = await this.container.items
      .query<CosmosResource>(
        { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')}`, parameters },
        q.pk === undefined ? {} : { partitionKey: q.pk },
      )
      .fetchAll();
    return resources.map((resource) => toStored<T>(resource, undefined));
  }

  async close(): Promise<void> {
    this.client.dispose();
  }
}

function toStored<T extends Doc>(resource: CosmosResource, headerEtag: string | undefined): Stored<T> {
  const etag = headerEtag ?? resource._etag;
  if (!etag) throw new Error('Cosmos DB returned a document without an etag');
  const doc: Record<string, unknown> = { ...resource };
  for (const property of SYSTEM_PROPERTIES) delete doc[property];
  return { doc: doc as unknown as T, etag };
}

/** The SDK's ErrorResponse carries the HTTP status in `code`; duck-typed to survive dual ESM/CJS copies. */
function hasStatus(error: unknown, status: number): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === status;
}
