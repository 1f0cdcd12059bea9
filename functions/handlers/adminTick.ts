import { timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import * as z from 'zod';
import type { ScheduledJobs } from '../app/scheduledJobs.js';
import { parseMonthKey, weekOfInstant } from '../domain/calendar.js';
import { BodyTooLargeError, readBodyWithLimit } from './readBody.js';

/** `{"now": …}` needs a few dozen bytes. */
const MAX_TICK_BODY_BYTES = 4096;

const tickBody = z.object({
  now: z.iso.datetime({ offset: true, error: 'now must be an ISO-8601 instant' }),
});

/** A tick re-runs what was due near now (a missed post, last year's award); further off it is a typo. */
const MAX_YEARS_FROM_THE_CLOCK = 1;

/**
 * Why the jobs cannot run at `tickMs`, if they cannot: its week must fall in a month the read API accepts (else
 * the post would make a month /api/stats refuses), and its year within a year of the real clock's.
 */
function instantProblem(tickMs: number, realMs: number, timeZone: string): string | undefined {
  const realYear = new Date(realMs).getUTCFullYear();
  const [earliest, latest] = [realYear - MAX_YEARS_FROM_THE_CLOCK, realYear + MAX_YEARS_FROM_THE_CLOCK];
  const year = new Date(tickMs).getUTCFullYear();
  if (year < earliest || year > latest) {
    return `now must be in ${earliest}–${latest}, within a year of the real clock (got year ${year})`;
  }
  const month = weekOfInstant(tickMs, timeZone).month;
  if (!parseMonthKey(month)) return `now falls in a week of ${month}, a month outside 2000–2999`;
  return undefined;
}

function bearerMatches(header: string | null, token: string): boolean {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * POST /api/admin/tick {"now": "<ISO-8601>"}: runs the scheduled jobs due at that instant. Exists only when
 * ADMIN_TOKEN is set; used to re-run a missed post and by the tests' fake clock.
 */
export function createAdminTickHandler(deps: {
  adminToken?: string;
  jobs: ScheduledJobs;
  /** The zone the jobs decide in (the week of `now`); UTC when not given. */
  timeZone?: string;
  /** The real clock, which `now` may not be far from. */
  now?: () => number;
}) {
  const realClock = deps.now ?? Date.now;
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    if (!deps.adminToken) return { status: 404, body: 'not found' };
    if (!bearerMatches(request.headers.get('authorization'), deps.adminToken)) {
      return { status: 401, body: 'missing or wrong bearer token' };
    }
    let raw: Buffer;
    try {
      raw = await readBodyWithLimit(request, MAX_TICK_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return { status: 413, jsonBody: { error: error.message } };
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, jsonBody: { error: 'body must be JSON: {"now": "<ISO-8601 instant>"}' } };
    }
    const parsed = tickBody.safeParse(body);
    if (!parsed.success) return { status: 400, jsonBody: { error: parsed.error.issues[0]?.message } };
    const tickMs = Date.parse(parsed.data.now);
    const problem = instantProblem(tickMs, realClock(), deps.timeZone ?? 'UTC');
    if (problem) return { status: 400, jsonBody: { error: problem } };
    return { status: 200, jsonBody: await deps.jobs.runDue(tickMs) };
  };
}
