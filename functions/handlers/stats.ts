import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Store } from '../adapters/store/store.js';
import { historyAnswer, historyVersion } from '../app/history.js';
import {
  acceptsGzip,
  type Computed,
  createAnswerKeeper,
  type JsonAnswer,
  matchesIfNoneMatch,
} from '../app/keptAnswers.js';
import type { Logger } from '../app/logger.js';
import type { MemberDirectory } from '../app/memberDirectory.js';
import { listMonths, monthStatsAnswer, monthStatsVersion } from '../app/monthStats.js';
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

const cacheHeaders = (config: AppConfig, maxAgeSeconds: number) => ({
  ...corsHeaders(config),
  'cache-control': `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${maxAgeSeconds * 4}`,
});

const json = (config: AppConfig, body: unknown, maxAgeSeconds: number): HttpResponseInit => ({
  status: 200,
  jsonBody: body,
  headers: cacheHeaders(config, maxAgeSeconds),
});

/**
 * A kept answer: its bytes as they are (no serialising per request), gzipped when the client accepts it and the
 * answer was compressed (it is served again), or 304 when the client already holds that representation.
 */
function keptAnswer(
  config: AppConfig,
  request: HttpRequest,
  answer: JsonAnswer,
  maxAgeSeconds: number,
): HttpResponseInit {
  const gzipped = acceptsGzip(request.headers.get('accept-encoding')) ? answer.gzipped : undefined;
  const { body, etag } = gzipped ?? answer;
  const cors = corsHeaders(config);
  const headers = {
    ...cacheHeaders(config, maxAgeSeconds),
    // Either representation may be sent, so caches key on the encoding too.
    vary: cors.vary ? `${cors.vary}, Accept-Encoding` : 'Accept-Encoding',
    etag,
  };
  if (matchesIfNoneMatch(request.headers.get('if-none-match'), etag)) return { status: 304, headers };
  return {
    status: 200,
    body,
    headers: {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.byteLength),
      ...(gzipped && { 'content-encoding': 'gzip' }),
    },
  };
}

/** Months whose stats answers are kept at once (the dashboard shows one, and the history views a few). */
const MONTHS_KEPT = 24;

const preflight = (config: AppConfig): HttpResponseInit => ({
  status: 204,
  headers: { ...corsHeaders(config), 'access-control-max-age': '86400' },
});

/** GET /api/stats?month=YYYY-MM (SPEC 3.2). */
export function createStatsHandler(deps: ReadSideDeps) {
  const keep = createAnswerKeeper({ now: deps.now, limit: MONTHS_KEPT });
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
    const version = monthStatsVersion(deps.store, deps.config.channelId, month);
    const answer = await keep(month, version, () => monthStatsAnswer(deps, month));
    return keptAnswer(deps.config, request, answer, 30);
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
  const keep = createAnswerKeeper({ now: deps.now, limit: 1 });
  const compute = (): Promise<Computed> => historyAnswer(deps, deps.now());
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    if (request.method === 'OPTIONS') return preflight(deps.config);
    const answer = await keep('history', historyVersion(deps.store), compute);
    return keptAnswer(deps.config, request, answer, 60);
  };
}
