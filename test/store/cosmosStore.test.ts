import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCosmosStore } from '../../functions/adapters/store/cosmosStore.js';
import { type CosmosTestServer, startCosmosServer } from '../support/cosmosServer.js';
import { describeStoreContract } from './storeContract.js';

let server: CosmosTestServer;
beforeAll(async () => {
  server = await startCosmosServer();
});
afterAll(async () => {
  await server?.close();
});

const database = `db-${randomUUID()}`;
describeStoreContract('Cosmos DB store (cosmosdb-server emulator)', () =>
  createCosmosStore({
    endpoint: server.endpoint,
    key: server.key,
    agent: server.agent,
    database,
    container: 'til',
    createIfNotExists: true,
  }),
);

describe('createCosmosStore', () => {
  it('authenticates with a token credential when no key is given', async () => {
    const getToken = vi.fn(async () => ({
      token: 'entra-token',
      expiresOnTimestamp: Date.now() + 3_600_000,
    }));
    const store = await createCosmosStore({
      endpoint: server.endpoint,
      credential: { getToken },
      agent: server.agent,
      database,
      container: 'til-with-identity',
      createIfNotExists: true,
    });
    await store.create({ id: 'a', pk: 'pk', type: 'note' });
    expect((await store.read('pk', 'a'))?.doc).toStrictEqual({ id: 'a', pk: 'pk', type: 'note' });
    expect(getToken).toHaveBeenCalled();
    await store.close();
  });

  it('refuses options without a key or a credential', async () => {
    await expect(
      createCosmosStore({ endpoint: server.endpoint, database, container: 'til' }),
    ).rejects.toThrow(/key or a token credential/);
  });
});
