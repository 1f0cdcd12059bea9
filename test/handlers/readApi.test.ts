/**
 * GET /api/stats and /api/months (SPEC 3.2) over a file store filled the way production fills it: weekly posts
 * made by the scheduled jobs, submissions and likes applied by the event processor, against the fake Slack.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SlackPort } from '../../functions/adapters/slack/slack.js';
import type { Doc, DocQuery, Store } from '../../functions/adapters/store/store.js';
import { type MonthSummaryDoc, type WeekDoc, weekDocIdentity } from '../../functions/app/documents.js';
import { weekByKey } from '../../functions/domain/calendar.js';
import { type FakeSlack, startFakeSlack } from '../support/fakeSlack.js';
import { reaction, reply } from '../support/slackPayloads.js';
import {
  CHANNEL,
  capturedLog,
  type Harness,
  harness,
  request,
  responseJson,
  tsAt,
  webApiSlack,
} from './helpers.js';

const DASHBOARD_URL = 'https://til-dashboard.example.com/app/?from=slack';
const DASHBOARD_ORIGIN = 'https://til-dashboard.example.com';

/** Cosmos DB promises no order for query results; this store returns them backwards to prove the API sorts. */
function reversingStore(store: Store): Store {
  return {
    read: (pk, id) => store.read(pk, id),
    create: (doc) => store.create(doc),
    replace: (doc, etag) => store.replace(doc, etag),
    query: async <T extends Doc>(q: DocQuery) => (await store.query<T>(q)).reverse(),
    close: () => store.close(),
  };
}

/** Records what the bot posted in the channel and the ts Slack gave each post. */
function recordingPosts(slack: SlackPort) {
  const posts: { text: string; ts: string }[] = [];
  const port: SlackPort = {
    ...slack,
    async postMessage(message) {
      const result = await slack.postMessage(message);
      posts.push({ text: message.text, ts: result.ts });
      return result;
    },
  };
  return { port, posts };
}

let clockMs = 0;
const setClock = (iso: string) => {
  clockMs = Date.parse(iso);
};

const permalinkOf = (ts: string) => `https://fake.slack.com/archives/${CHANNEL}/p${ts.replace('.', '')}`;

type ReadHandler = 'stats' | 'months' | 'history';

function get(h: Harness, handler: ReadHandler, path: string, query?: Record<string, string>) {
  const method = 'GET';
  return h.services[handler](request({ method, path, query }));
}

/** Status, headers (case-insensitive) and the body as it goes over the wire. */
async function call(h: Harness, handler: ReadHandler, query?: Record<string, string>) {
  const response = await get(h, handler, `/api/${handler}`, query);
  return {
    status: response.status,
    headers: new Headers(response.headers as HeadersInit | undefined),
    body: responseJson(response),
  };
}

describe('stats and months over a filled store', () => {
  let fake: FakeSlack;
  let h: Harness;
  let posts: { text: string; ts: string }[];

  async function feed(envelope: { event_id: string; event: Record<string, unknown> }) {
    return h.services.processEvent.process(
      { eventId: envelope.event_id, event: envelope.event },
      { messageId: envelope.event_id, deliveryCount: 1 },
    );
  }

  const threadOf = (label: string) => {
    const post = posts.find((p) => p.text.startsWith(`*${label}*`));
    if (!post) throw new Error(`no weekly post ${label}: ${posts.map((p) => p.text.split('\n')[0])}`);
    return post.ts;
  };

  beforeAll(async () => {
    fake = await startFakeSlack({ now: () => clockMs });
    fake.setUser('U0AAA', { name: '멤버01', isBot: false });
    fake.setUser('U0BBB', { name: '멤버02', isBot: false });
    fake.setUser('U0CCC', { name: '멤버03', isBot: false });
    const recorded = recordingPosts(webApiSlack(fake, capturedLog()));
    posts = recorded.posts;
    h = await harness({
      env: { DASHBOARD_URL },
      slack: recorded.port,
      now: () => clockMs,
      wrapStore: reversingStore,
    });
    const runDue = async (iso: string) => {
      setClock(iso);
      return h.services.jobs.runDue(clockMs);
    };

    expect(await runDue('2026-10-26T09:05:00+09:00')).toMatchObject({ weeklyPost: 'posted' });
    expect(await runDue('2026-11-02T09:05:00+09:00')).toMatchObject({ weeklyPost: 'posted' });
    const w1 = threadOf('TIL 11월 1주차');
    const aaaW1 = tsAt('2026-11-03T21:00:00+09:00', 11);
    const bbbW1 = tsAt('2026-11-04T21:00:00+09:00', 12);
    await feed(reply({ user: 'U0AAA', ts: aaaW1, threadTs: w1, text: 'TIL <https://velog.io/@aaa/1>' }));
    await feed(
      reply({ user: 'U0BBB', ts: bbbW1, threadTs: w1, text: '<https://bbb.github.io/til/1|1주차>' }),
    );
    // No accepted link: not a submission.
    await feed(
      reply({ user: 'U0CCC', ts: tsAt('2026-11-05T21:00:00+09:00', 13), threadTs: w1, text: '화이팅' }),
    );
    await feed(
      reaction({ user: 'U0BBB', itemTs: aaaW1, itemUser: 'U0AAA', eventTs: tsAt('2026-11-05T10:00:00Z') }),
    );
    // A self-like does not count (COUNT_SELF_LIKES is off).
    await feed(
      reaction({ user: 'U0AAA', itemTs: aaaW1, itemUser: 'U0AAA', eventTs: tsAt('2026-11-05T11:00:00Z') }),
    );

    expect(await runDue('2026-11-09T09:05:00+09:00')).toMatchObject({ weeklyPost: 'posted' });
    const w2 = threadOf('TIL 11월 2주차');
    const aaaW2 = tsAt('2026-11-10T21:00:00+09:00', 21);
    const bbbW2 = tsAt('2026-11-11T21:00:00+09:00', 22);
    const cccW2 = tsAt('2026-11-12T21:00:00+09:00', 23);
    await feed(reply({ user: 'U0AAA', ts: aaaW2, threadTs: w2, text: '<https://velog.io/@aaa/2>' }));
    await feed(reply({ user: 'U0BBB', ts: bbbW2, threadTs: w2, text: '<https://github.com/bbb/til>' }));
    await feed(reply({ user: 'U0CCC', ts: cccW2, threadTs: w2, text: '<https://blog.naver.com/ccc/1>' }));
    // Late: in week 1's thread after its deadline, so it counts for no week.
    await feed(
      reply({
        user: 'U0CCC',
        ts: tsAt('2026-11-10T08:00:00+09:00', 24),
        threadTs: w1,
        text: '<https://velog.io/@ccc/late>',
      }),
    );
    const like = (user: string, itemTs: string, itemUser: string, n: number, name = '+1') =>
      feed(reaction({ user, itemTs, itemUser, name, eventTs: tsAt('2026-11-13T10:00:00Z', n) }));
    await like('U0CCC', aaaW2, 'U0AAA', 1, '+1::skin-tone-3');
    await like('U0AAA', bbbW2, 'U0BBB', 2, 'thumbsup');
    await like('U0AAA', cccW2, 'U0CCC', 3);
    await like('U0BBB', cccW2, 'U0CCC', 4);
    await like('U0DDD', cccW2, 'U0CCC', 5);
    // Not a 👍: ignored.
    await like('U0DDD', aaaW2, 'U0AAA', 6, 'heart');

    // Week 3's post fails: the week stays unposted and does not count against anyone.
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect(await runDue('2026-11-16T09:05:00+09:00')).toMatchObject({ weeklyPost: 'failed' });
    // December's first post fails too: December has a claimed week but no data.
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect(await runDue('2026-12-07T09:05:00+09:00')).toMatchObject({ weeklyPost: 'failed' });
  });

  afterAll(async () => {
    await h.dispose();
    await fake.close();
  });

  it('returns the month in the SPEC 3.2 shape, weeks in order, names from the member cache', async () => {
    const w1 = threadOf('TIL 11월 1주차');
    const w2 = threadOf('TIL 11월 2주차');
    const { status, body } = await call(h, 'stats', { month: '2026-11' });
    expect(status).toBe(200);
    expect(body).toStrictEqual({
      month: '2026-11',
      timeZone: 'Asia/Seoul',
      weeks: [
        {
          key: '2026-11-W1',
          ordinal: 1,
          label: 'TIL 11월 1주차',
          startsOn: '2026-11-02',
          deadline: '2026-11-08T23:59:59.999+09:00',
          threadTs: w1,
          threadUrl: permalinkOf(w1),
          participants: 2,
          likes: 1,
        },
        {
          key: '2026-11-W2',
          ordinal: 2,
          label: 'TIL 11월 2주차',
          startsOn: '2026-11-09',
          deadline: '2026-11-15T23:59:59.999+09:00',
          threadTs: w2,
          threadUrl: permalinkOf(w2),
          participants: 3,
          likes: 5,
        },
      ],
      members: [
        {
          userId: 'U0CCC',
          name: '멤버03',
          weeks: ['2026-11-W2'],
          passes: [],
          submissions: 1,
          likes: 3,
          challenger: false,
        },
        {
          userId: 'U0AAA',
          name: '멤버01',
          weeks: ['2026-11-W1', '2026-11-W2'],
          passes: [],
          submissions: 2,
          likes: 2,
          challenger: true,
        },
        {
          userId: 'U0BBB',
          name: '멤버02',
          weeks: ['2026-11-W1', '2026-11-W2'],
          passes: [],
          submissions: 2,
          likes: 1,
          challenger: true,
        },
      ],
      // Challengers over the posted weeks (W3's post failed); the most-liked member is no challenger.
      challengers: ['U0AAA', 'U0BBB'],
      specialChallengers: ['U0AAA'],
    });
  });

  it('answers from the store alone: no Slack call while serving the dashboard', async () => {
    const before = fake.calls.length;
    await call(h, 'stats', { month: '2026-11' });
    await call(h, 'months');
    expect(fake.calls.length).toBe(before);
  });

  it('returns a posted month without submissions with its week and empty lists', async () => {
    const { status, body } = await call(h, 'stats', { month: '2026-10' });
    expect(status).toBe(200);
    expect(body).toStrictEqual({
      month: '2026-10',
      timeZone: 'Asia/Seoul',
      weeks: [
        {
          key: '2026-10-W4',
          ordinal: 4,
          label: 'TIL 10월 4주차',
          startsOn: '2026-10-26',
          deadline: '2026-11-01T23:59:59.999+09:00',
          threadTs: threadOf('TIL 10월 4주차'),
          threadUrl: permalinkOf(threadOf('TIL 10월 4주차')),
          participants: 0,
          likes: 0,
        },
      ],
      members: [],
      challengers: [],
      specialChallengers: [],
    });
  });

  it('returns 200 with empty lists for a month without data', async () => {
    for (const month of ['2026-05', '2031-01']) {
      const { status, body } = await call(h, 'stats', { month });
      expect(status, month).toBe(200);
      expect(body).toStrictEqual({
        month,
        timeZone: 'Asia/Seoul',
        weeks: [],
        members: [],
        challengers: [],
        specialChallengers: [],
      });
    }
  });

  it.each([['2026-13'], ['2026-1'], ['abcd'], [''], ['2026-11-01'], [' 2026-11'], ['2026-00'], ['1999-12']])(
    'answers 400 to month=%j',
    async (month) => {
      const { status, body, headers } = await call(h, 'stats', { month });
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: expect.any(String) });
      // The dashboard can read the error too.
      expect(headers.get('access-control-allow-origin')).toBe(DASHBOARD_ORIGIN);
    },
  );

  it('answers 400 when month is missing', async () => {
    expect((await call(h, 'stats')).status).toBe(400);
  });

  it('lists the months with data, newest first (a month whose only post failed has none)', async () => {
    const { status, body } = await call(h, 'months');
    expect(status).toBe(200);
    expect(body).toStrictEqual(['2026-11', '2026-10']);
  });

  it('returns the history in the SPEC 3.3 shape: months newest first, members with totals and streaks', async () => {
    const { status, body } = await call(h, 'history');
    expect(status).toBe(200);
    expect(body).toStrictEqual({
      timeZone: 'Asia/Seoul',
      months: [
        {
          month: '2026-11',
          weeks: 2,
          participants: 3,
          submissions: 5,
          likes: 6,
          challengers: ['U0AAA', 'U0BBB'],
          specialChallengers: ['U0AAA'],
        },
        {
          month: '2026-10',
          weeks: 1,
          participants: 0,
          submissions: 0,
          likes: 0,
          challengers: [],
          specialChallengers: [],
        },
      ],
      members: [
        {
          userId: 'U0AAA',
          name: '멤버01',
          weeksTakenPart: 2,
          submissions: 2,
          likes: 2,
          currentStreak: 2,
          longestStreak: 2,
          challengerMonths: ['2026-11'],
        },
        {
          userId: 'U0BBB',
          name: '멤버02',
          weeksTakenPart: 2,
          submissions: 2,
          likes: 1,
          currentStreak: 2,
          longestStreak: 2,
          challengerMonths: ['2026-11'],
        },
        {
          userId: 'U0CCC',
          name: '멤버03',
          weeksTakenPart: 1,
          submissions: 1,
          likes: 3,
          currentStreak: 1,
          longestStreak: 1,
          challengerMonths: [],
        },
      ],
    });
  });

  it('keeps the summary of a closed month and answers from it; an open month is read afresh', async () => {
    await call(h, 'history');
    const summaries = await h.store.query<MonthSummaryDoc>({ type: 'monthSummary' });
    // October ended more than 35 days before the clock and gets no award: closed. November awaits its award.
    expect(summaries.map(({ doc }) => doc.month)).toEqual(['2026-10']);
    const [october] = summaries;
    await h.store.replace(
      { ...october!.doc, summary: { ...october!.doc.summary, challengers: ['U0KEPT'] } },
      october!.etag,
    );
    const { body } = (await call(h, 'history')) as {
      body: { months: { month: string; challengers: string[] }[] };
    };
    expect(body.months.find((m) => m.month === '2026-10')?.challengers).toEqual(['U0KEPT']);
    await h.store.replace(october!.doc, (await h.store.read(october!.doc.pk, october!.doc.id))!.etag);
  });

  it('recomputes a stored summary it cannot read, instead of answering 500, and stores a good one', async () => {
    const before = (await call(h, 'history')).body;
    const [october] = await h.store.query<MonthSummaryDoc>({ type: 'monthSummary' });
    await h.store.replace(
      { ...october!.doc, summary: null as unknown as MonthSummaryDoc['summary'] },
      october!.etag,
    );
    const { status, body } = await call(h, 'history');
    expect(status).toBe(200);
    expect(body).toStrictEqual(before);
    const [repaired] = await h.store.query<MonthSummaryDoc>({ type: 'monthSummary' });
    expect(repaired?.doc.summary).toStrictEqual(october!.doc.summary);
  });

  it('sends cache headers and CORS for the dashboard origin only', async () => {
    for (const response of [
      await call(h, 'stats', { month: '2026-11' }),
      await call(h, 'months'),
      await call(h, 'history'),
    ]) {
      expect(response.headers.get('cache-control')).toMatch(/max-age=\d+/);
      expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD_ORIGIN);
    }
  });

  it('answers a CORS preflight with 204', async () => {
    for (const handler of ['stats', 'months', 'history'] as const) {
      const response = await h.services[handler](
        request({
          method: 'OPTIONS',
          path: `/api/${handler}`,
          headers: { origin: DASHBOARD_ORIGIN, 'access-control-request-method': 'GET' },
        }),
      );
      const headers = new Headers(response.headers as HeadersInit | undefined);
      expect(response.status, handler).toBe(204);
      expect(response.jsonBody ?? response.body ?? undefined).toBeUndefined();
      expect(headers.get('access-control-allow-origin')).toBe(DASHBOARD_ORIGIN);
      expect(headers.get('access-control-allow-methods')).toContain('GET');
    }
  });
});

describe('stats and months over an empty store, without DASHBOARD_URL', () => {
  let fake: FakeSlack;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('lists no months as an empty array, and a history with none', async () => {
    h = await harness({ slack: webApiSlack(fake, capturedLog()) });
    const { status, body } = await call(h, 'months');
    expect(status).toBe(200);
    expect(body).toStrictEqual([]);
    expect((await call(h, 'history')).body).toStrictEqual({
      timeZone: 'Asia/Seoul',
      months: [],
      members: [],
    });
  });

  it('fetches the thread link a week lacks once, in the background, and keeps it', async () => {
    h = await harness({ slack: webApiSlack(fake, capturedLog()) });
    const threadTs = tsAt('2026-11-02T09:00:00+09:00', 7);
    await h.store.create<WeekDoc>({
      ...weekDocIdentity(CHANNEL, weekByKey('2026-11-W1', 'Asia/Seoul')),
      status: 'posted',
      claimedAt: '2026-11-02T00:00:00.000Z',
      claimExpiresAt: '2026-11-02T00:10:00.000Z',
      threadTs,
    });
    type Weeks = { body: { weeks: { threadUrl: string | null }[] } };
    const first = (await call(h, 'stats', { month: '2026-11' })) as Weeks;
    expect(first.body.weeks[0]?.threadUrl).toBeNull();
    await fake.waitFor((c) => c.method === 'chat.getPermalink' && c.args.message_ts === threadTs);
    await expect
      .poll(async () => ((await call(h, 'stats', { month: '2026-11' })) as Weeks).body.weeks[0]?.threadUrl)
      .toBe(permalinkOf(threadTs));
    const asked = fake.calls.filter((c) => c.method === 'chat.getPermalink').length;
    await call(h, 'stats', { month: '2026-11' });
    expect(fake.calls.filter((c) => c.method === 'chat.getPermalink').length).toBe(asked);
  });

  it('sends no CORS header when no dashboard origin is configured', async () => {
    h = await harness({ slack: webApiSlack(fake, capturedLog()) });
    const stats = await call(h, 'stats', { month: '2026-11' });
    const months = await call(h, 'months');
    const bad = await call(h, 'stats', { month: 'abcd' });
    for (const response of [stats, months, bad]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(stats.headers.get('cache-control')).toMatch(/max-age=\d+/);
  });
});
