/**
 * A loopback stand-in for the App Service managed-identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), so
 * the local server's own Cosmos DB path (DefaultAzureCredential, no key) can run against the Cosmos DB emulator
 * without any test-only code in the product. The emulator does not check tokens; this hands out a dummy one.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIdentity {
  /** Environment for the child process: the App Service managed-identity variables. */
  env: Record<string, string>;
  /** How many tokens were asked for. */
  requests(): number;
  close(): Promise<void>;
}

export async function startFakeIdentity(): Promise<FakeIdentity> {
  const header = 'reliability-identity-header';
  let requests = 0;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://identity');
    if (request.headers['x-identity-header'] !== header) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"no header"}');
      return;
    }
    requests += 1;
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        access_token: `fake-token-${requests}`,
        expires_on: String(expiresOn),
        resource: url.searchParams.get('resource') ?? 'https://cosmos.azure.com',
        token_type: 'Bearer',
        client_id: '00000000-0000-0000-0000-000000000000',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: header },
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
