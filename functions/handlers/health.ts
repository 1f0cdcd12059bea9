import type { HttpResponseInit } from '@azure/functions';

/**
 * GET /api/health: that the app answers, and on the embedded default how much work is queued. It reads nothing
 * else, so a health probe costs no store or Slack call; it is never cached.
 */
export function createHealthHandler(deps: { host: 'azure' | 'local'; queueDepth?: () => number }) {
  return async (): Promise<HttpResponseInit> => ({
    status: 200,
    jsonBody: {
      ok: true,
      host: deps.host,
      ...(deps.queueDepth && { pending: deps.queueDepth() }),
    },
    headers: { 'cache-control': 'no-store' },
  });
}
