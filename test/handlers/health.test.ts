import { describe, expect, it } from 'vitest';
import { createHealthHandler } from '../../functions/handlers/health.js';

describe('GET /api/health', () => {
  it('reports the host and, on the embedded default, the queue depth; never cached', async () => {
    let depth = 3;
    const local = await createHealthHandler({ host: 'local', queueDepth: () => depth })();
    expect(local).toMatchObject({ status: 200, jsonBody: { ok: true, host: 'local', pending: 3 } });
    depth = 0;
    expect((await createHealthHandler({ host: 'local', queueDepth: () => depth })()).jsonBody).toMatchObject({
      pending: 0,
    });
    const azure = await createHealthHandler({ host: 'azure' })();
    expect(azure.jsonBody).toStrictEqual({ ok: true, host: 'azure' });
    expect(azure.headers).toMatchObject({ 'cache-control': 'no-store' });
  });
});
