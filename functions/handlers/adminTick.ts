import { timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import type { ScheduledJobs } from '../app/scheduledJobs.js';
import { BodyTooLargeError, readBodyWithLimit } from './readBody.js';

/** `{"now": …}` needs a few dozen bytes. */
const MAX_TICK_BODY_BYTES = 4096;

const tickBody = z.object({
  now: z.iso.datetime({ offset: true, error: 'now must be an ISO-8601 instant' }),
});

function bearerMatches(header: string | null, token: string): boolean {
  const presented = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * POST /api/admin/tick {"now": "<ISO-8601>"}: runs the scheduled jobs due at that instant. Exists only when
 * ADMIN_TOKEN is set; used to re-run a missed post and by the tests' fake clock.
 */
export function createAdminTickHandler(deps: { adminToken?: string; jobs: ScheduledJobs }) {
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
    return { status: 200, jsonBody: await deps.jobs.runDue(Date.parse(parsed.data.now)) };
  };
}
