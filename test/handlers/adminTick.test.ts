/** POST /api/admin/tick (SPEC 3.1): bearer-protected, runs the scheduled jobs due at the given instant. */
import { afterEach, describe, expect, it } from 'vitest';
import { createDryRunSlack } from '../../functions/adapters/slack/dryRunSlack.js';
import { createAdminTickHandler } from '../../functions/handlers/adminTick.js';
import { type Harness, harness, request } from './helpers.js';

const TOKEN = 'admin-tick-token-0123456789abcdef';

let h: Harness | undefined;
let printed: string[];
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

async function withAdminToken(token: string | undefined) {
  printed = [];
  h = await harness({
    env: token === undefined ? {} : { ADMIN_TOKEN: token },
    slack: createDryRunSlack((line) => printed.push(line)),
  });
  return h;
}

/** `authorization: null` sends no Authorization header. */
function tick(target: Harness, body: string, authorization: string | null = `Bearer ${TOKEN}`) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  return target.services.adminTick(request({ method: 'POST', path: '/api/admin/tick', headers, body }));
}

const mondayMorning = JSON.stringify({ now: '2026-11-23T09:05:00+09:00' });

describe('admin tick', () => {
  it('does not exist without ADMIN_TOKEN, whatever the request carries', async () => {
    const target = await withAdminToken(undefined);
    expect((await tick(target, mondayMorning)).status).toBe(404);
    expect((await tick(target, mondayMorning, 'Bearer ')).status).toBe(404);
    expect((await tick(target, mondayMorning, null)).status).toBe(404);
    expect(printed).toEqual([]);
  });

  it.each([
    ['no authorization header', null],
    ['an empty bearer', 'Bearer '],
    ['a wrong token of the same length', `Bearer ${TOKEN.slice(0, -1)}X`],
    ['a shorter token', `Bearer ${TOKEN.slice(0, 8)}`],
    ['a longer token', `Bearer ${TOKEN}0`],
    ['the token without the Bearer scheme', TOKEN],
    ['another scheme', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`],
    ['the token after two spaces', `Bearer  ${TOKEN}`],
  ])('answers 401 to %s and runs nothing', async (_, authorization) => {
    const target = await withAdminToken(TOKEN);
    const response = await tick(target, mondayMorning, authorization);
    expect(response.status).toBe(401);
    expect(printed).toEqual([]);
  });

  it.each([
    ['a non-JSON body', 'now=2026-11-23T09:05:00+09:00'],
    ['an empty body', ''],
    ['JSON without now', JSON.stringify({ at: '2026-11-23T09:05:00+09:00' })],
    ['a JSON string', JSON.stringify('2026-11-23T09:05:00+09:00')],
    ['now that is not ISO-8601', JSON.stringify({ now: 'next Monday 9am' })],
    ['now as epoch milliseconds', JSON.stringify({ now: Date.parse('2026-11-23T09:05:00+09:00') })],
    ['now without a zone (not an instant)', JSON.stringify({ now: '2026-11-23T09:05:00' })],
    ['now on an impossible date', JSON.stringify({ now: '2026-02-30T09:05:00Z' })],
    ['now on an impossible date with an offset', JSON.stringify({ now: '2026-02-30T09:00:00+09:00' })],
    ['now on the 31st of a 30-day month', JSON.stringify({ now: '2026-04-31T09:00+09:00' })],
  ])('answers 400 to %s and runs nothing', async (_, body) => {
    const target = await withAdminToken(TOKEN);
    const response = await tick(target, body);
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ error: expect.any(String) });
    expect(printed).toEqual([]);
  });

  /** `{"now": …}` padded with spaces to exactly `bytes` bytes: still valid JSON. */
  const paddedTo = (bytes: number) => mondayMorning.padEnd(bytes, ' ');

  it('accepts a body of exactly 4096 bytes', async () => {
    const target = await withAdminToken(TOKEN);
    expect((await tick(target, paddedTo(4096))).status).toBe(200);
  });

  it('answers 413, not 400, to a body one byte over 4096 bytes, and runs nothing', async () => {
    const target = await withAdminToken(TOKEN);
    const response = await tick(target, paddedTo(4097));
    expect(response.status).toBe(413);
    expect(response.jsonBody).toMatchObject({ error: expect.stringMatching(/4096 bytes/) });
    expect(printed).toEqual([]);
  });

  it('runs the jobs due at `now`: the week is posted once and the report says so', async () => {
    const target = await withAdminToken(TOKEN);
    const response = await tick(target, mondayMorning);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({
      now: '2026-11-23T00:05:00.000Z',
      week: '2026-11-W4',
      weeklyPost: 'posted',
      monthlyAward: 'not-due',
    });
    const posts = printed.filter((line) => line.startsWith('[dry-run] chat.postMessage #C0TIL0001'));
    expect(posts).toHaveLength(1);
    expect(posts[0]).toContain('*TIL 11월 4주차*');

    // The same instant again, or later that week: already posted, nothing printed.
    const again = await tick(target, JSON.stringify({ now: '2026-11-25T18:00:00Z' }));
    expect(again.status).toBe(200);
    expect(again.jsonBody).toMatchObject({ week: '2026-11-W4', weeklyPost: 'already-posted' });
    expect(printed.filter((line) => line.startsWith('[dry-run] chat.postMessage #'))).toHaveLength(1);
  });

  it('accepts `now` in UTC and decides in the configured zone: Monday 08:59 Seoul is not due yet', async () => {
    const target = await withAdminToken(TOKEN);
    const early = await tick(target, JSON.stringify({ now: '2026-11-22T23:59:00Z' }));
    expect(early.status).toBe(200);
    expect(early.jsonBody).toMatchObject({ week: '2026-11-W4', weeklyPost: 'not-due' });
    expect(printed).toEqual([]);
  });

  it('posts the monthly award after the first week of a month', async () => {
    const target = await withAdminToken(TOKEN);
    expect((await tick(target, JSON.stringify({ now: '2026-11-30T09:01:00+09:00' }))).jsonBody).toMatchObject(
      {
        week: '2026-11-W5',
        weeklyPost: 'posted',
      },
    );
    const response = await tick(target, JSON.stringify({ now: '2026-12-07T09:01:00+09:00' }));
    expect(response.jsonBody).toEqual({
      now: '2026-12-07T00:01:00.000Z',
      week: '2026-12-W1',
      weeklyPost: 'posted',
      monthlyAward: 'posted',
      awardMonth: '2026-11',
    });
    const posts = printed.filter((line) => line.startsWith('[dry-run] chat.postMessage #'));
    expect(posts).toHaveLength(3);
    expect(posts[1]).toContain('*TIL 12월 1주차*');
    expect(posts[2]).toContain('11월 TIL 챌린지 결과');
  });
});

describe('admin tick: only instants the product can hold (#15)', () => {
  const realYear = new Date().getUTCFullYear();

  it.each([
    ['in year 0001', '0001-01-01T00:00:00Z'],
    ['in year 1999', '1999-12-27T09:00:00+09:00'],
    ['in year 9999', '9999-12-27T09:00:00+09:00'],
    ['two years after the real clock', `${realYear + 2}-06-07T09:00:00+09:00`],
    ['two years before the real clock', `${realYear - 2}-06-07T09:00:00+09:00`],
  ])('#15: answers 400 to a tick %s and posts nothing', async (_, now) => {
    const target = await withAdminToken(TOKEN);
    const response = await tick(target, JSON.stringify({ now }));
    expect(response.status).toBe(400);
    expect(response.jsonBody).toMatchObject({ error: expect.stringMatching(/^now /) });
    expect(printed).toEqual([]);
  });

  it.each([
    ['a year before', realYear - 1],
    ['a year after', realYear + 1],
  ])('runs a tick %s the real clock', async (_, year) => {
    const target = await withAdminToken(TOKEN);
    const response = await tick(target, JSON.stringify({ now: `${year}-06-10T12:00:00Z` }));
    expect(response.status).toBe(200);
  });

  it("#15: decides by the month of the instant's week in the configured zone, as /api/stats does", async () => {
    const target = await withAdminToken(TOKEN);
    const handler = createAdminTickHandler({
      adminToken: TOKEN,
      jobs: target.services.jobs,
      timeZone: 'Asia/Seoul',
      now: () => Date.parse('2000-06-01T00:00:00Z'),
    });
    const at = (now: string) =>
      handler(
        request({
          method: 'POST',
          path: '/api/admin/tick',
          headers: { authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ now }),
        }),
      );
    // Sunday 2 January 2000, 23:00 in Seoul: the week of Monday 27 December 1999, a month the API refuses.
    expect((await at('2000-01-02T14:00:00Z')).status).toBe(400);
    // Monday 3 January 2000, 01:00 in Seoul: week 1 of January 2000.
    expect((await at('2000-01-02T16:00:00Z')).status).toBe(200);
  });
});
