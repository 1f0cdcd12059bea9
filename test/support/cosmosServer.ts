import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHttpsServer } from '@vercel/cosmosdb-server';

export interface CosmosTestServer {
  endpoint: string;
  /** Any base64 string works: the emulator does not check signatures. */
  key: string;
  /** Trusts the emulator's self-signed certificate for this client only. */
  agent: https.Agent;
  /** The emulator's server, for tests that count the requests the client makes. */
  httpServer: https.Server;
  close(): Promise<void>;
}

/** Starts an in-process Cosmos DB emulator on a random loopback port. It starts empty. */
export async function startCosmosServer(): Promise<CosmosTestServer> {
  const server = createHttpsServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });
  return {
    endpoint: `https://127.0.0.1:${port}`,
    key: Buffer.from('cosmosdb-server test key').toString('base64'),
    agent,
    httpServer: server,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
