import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Store } from '../adapters/store/store.js';
import { loadHistory } from '../app/history.js';
import type { Logger } from '../app/logger.js';
import type { MemberDirectory } from '../app/memberDirectory.js';
import { listMonths, loadMonthStats } from '../app/monthStats.js';
import type { ThreadLinks } from '../app/threadLinks.js';
import type { AppConfig } from '../config.js';
import { parseMonthKey } from '../domain/calendar.js';

export interface ReadSideDeps {
  store: Store;
  members: MemberDirectory;
  config: AppConfig;
  threadLinks: ThreadLinks;
  log: Logger;
  now: () => number;
}

/** CORS for the dashboard's origin only; the local server serves the dashboard from the same origin anyway. */
export function corsHeaders(config: AppConfig): Record<string, string> {
  if (!config.dashboardUrl) return {};
  return {
    'access-control-allow-origin': new URL(config.dashboardUrl).origin,
    'access-control-allow-methods': 'GET, OPTIONS',
    vary: 'Origin',
  };
}

const json = (config: AppConfig, body: unknown, maxAgeSeconds: number): HttpResponseInit => ({
  status: 200,
  jsonBody: body,
  headers: {
    ...corsHeaders(config),
    'cache-control': `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${maxAgeSeconds * 4}`,
  },
});

const preflight = (config: AppConfig): HttpResponseInit => ({
  status: 204,
  headers: { ...corsHeaders(config), 'access-control-max-age': '86400' },
});

/** GET /api/stats?month=YYYY-MM (SPEC 3.2). */
export function createStatsHandler(deps: ReadSideDeps) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    if (request.method === 'OPTIONS') return preflight(deps.config);
    const raw = request.query.get('month') ?? '';
    const month = parseMonthKey(raw);
    if (!month) {
      return {
        status: 400,
        jsonBody: { error: `month must be YYYY-MM, got "${raw}"` },
        headers: corsHeaders(deps.config),
      };
    }
    return json(deps.config, await loadMonthStats(deps, month), 30);
  };
}

/** GET /api/months: months with data, newest first. */
export function createMonthsHandler(deps: ReadSideDeps) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    if (request.method === 'OPTIONS') return preflight(deps.config);
    return json(deps.config, await listMonths(deps.store, deps.config.channelId), 60);
  };
}

/** GET /api/history (SPEC 3.3): every month's figures and every member's record across months. */
export function createHistoryHandler(deps: ReadSideDeps) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    if (request.method === 'OPTIONS') return preflight(deps.config);
    return json(deps.config, await loadHistory(deps, deps.now()), 60);
  };
}
