import { afterAll, expect, it } from 'vitest';
import { postSlackEvent } from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import { drained, postWeek, type Rig, startRig } from './support/rig.js';
import {
  differences,
  type Expected,
  inPool,
  memberTotals,
  pick,
  printFigures,
  scenarioSeed,
  secondsSince,
  seededRandom,
  shuffled,
} from './support/scenario.js';
import { readLedger, total } from './support/slackLedger.js';

/**
 * Retry storm: 1,000 events, each delivered four times as Slack does when the app is slow to answer (the same
 * event_id, x-slack-retry-num 1..3): some deliveries at once, some after the event was processed, some at the end.
 * Every event must be applied exactly once: the stats count each reply and each 👍 once, every member who took
 * part is announced exactly once per week, and every like DM is sent once.
 */
const SEED = scenarioSeed(20261123);
const WEEKS = [
  {
    monday: '2026-10-26T09:00:00+09:00',
    replyAt: '2026-10-27T10:00:00+09:00',
    likeAt: '2026-10-28T12:00:00+09:00',
    month: '2026-10',
    key: '2026-10-W4',
    label: 'TIL 10월 4주차',
  },
  {
    monday: '2026-11-23T09:00:00+09:00',
    replyAt: '2026-11-24T10:00:00+09:00',
    likeAt: '2026-11-25T12:00:00+09:00',
    month: '2026-11',
    key: '2026-11-W4',
    label: 'TIL 11월 4주차',
  },
];
const MEMBERS_PER_WEEK = 150;
const SECOND_REPLIES_PER_WEEK = 50;
const LIKES_PER_WEEK = 300;
const DELIVERIES = 4;
const CONCURRENCY = 48;

let rig: Rig | undefined;
afterAll(async () => {
  await rig?.close();
});

type Body = ReturnType<typeof reply> | ReturnType<typeof reaction>;
/** How an event's four deliveries arrive: all at once, spread over the run, or the retries at the very end. */
type Pattern = 'together' | 'spread' | 'late';

it('1,000 events × 4 deliveries: 1,000 applied, no duplicate broadcast or DM', async () => {
  const random = seededRandom(SEED);
  let clock = Date.parse(WEEKS[0]!.monday);
  rig = await startRig({ name: 'retry-storm', slackNow: () => clock, env: { LIKE_DM: 'each' } });
  const { server } = rig;
  const threads: string[] = [];
  for (const week of WEEKS) {
    clock = Date.parse(week.monday);
    threads.push(await postWeek(server, week.monday, week.month, week.key));
  }
  clock = Date.parse('2026-12-01T00:00:00+09:00');

  const expected = new Map<string, Expected>();
  const replies: Body[] = [];
  const likes: Body[] = [];
  WEEKS.forEach((week, w) => {
    const threadTs = threads[w]!;
    const posted: { user: string; ts: string }[] = [];
    let micros = 0;
    const members = Array.from(
      { length: MEMBERS_PER_WEEK },
      (_, i) => `U0W${w}M${String(i).padStart(3, '0')}`,
    );
    const authors = [...members, ...shuffled(members, random).slice(0, SECOND_REPLIES_PER_WEEK)];
    for (const user of authors) {
      const ts = tsAt(week.replyAt, ++micros);
      posted.push({ user, ts });
      replies.push(reply({ user, ts, threadTs, text: `TIL <https://velog.io/@${user}/${ts}|글>` }));
      const e = expected.get(user) ?? { submissions: 0, likes: 0, weeks: [week.key] };
      expected.set(user, { ...e, submissions: e.submissions + 1 });
    }
    for (let i = 0; i < LIKES_PER_WEEK; i++) {
      // A distinct liker per 👍, so each one changes its post's count (and, with LIKE_DM=each, sends one DM).
      const target = pick(posted, random);
      likes.push(
        reaction({
          user: `U0W${w}F${String(i).padStart(4, '0')}`,
          itemTs: target.ts,
          itemUser: target.user,
          eventTs: tsAt(week.likeAt, i + 1),
        }),
      );
      const e = expected.get(target.user)!;
      expected.set(target.user, { ...e, likes: e.likes + 1 });
    }
  });
  const events = [...shuffled(replies, random), ...shuffled(likes, random)];
  const patterns = new Map<Body, Pattern>(
    events.map((event) => {
      const r = random();
      return [event, r < 0.4 ? 'together' : r < 0.8 ? 'spread' : 'late'];
    }),
  );

  const answers = new Map<number, number>();
  let deliveries = 0;
  let concurrentGroups = 0;
  const deliver = async (event: Body, retryNum: number) => {
    deliveries += 1;
    const res = await postSlackEvent(server, event, { retryNum });
    answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
    await res.arrayBuffer();
  };
  const started = Date.now();
  // Pass 1: every event's first delivery; a "together" event is delivered four times at once. Every reply is
  // acknowledged before any 👍 is sent: the 👍 come a day after the replies, and a reaction that overtakes its
  // message by more than a few minutes is not one Slack's retries can produce (the product drops such a 👍 on a
  // message it does not know, so stats do not grow with chatter).
  const firstDeliveries = async (event: Body) => {
    if (patterns.get(event) === 'together') {
      concurrentGroups += 1;
      await Promise.all(Array.from({ length: DELIVERIES }, (_, n) => deliver(event, n)));
    } else await deliver(event, 0);
  };
  await inPool(
    events.filter((e) => replies.includes(e)),
    CONCURRENCY,
    firstDeliveries,
  );
  await inPool(
    events.filter((e) => likes.includes(e)),
    CONCURRENCY,
    firstDeliveries,
  );
  const firstPass = secondsSince(started);
  // Pass 2: the spread events' retries, shuffled among each other (many after their event was processed).
  const spread = events.filter((e) => patterns.get(e) === 'spread');
  const retries = shuffled(
    spread.flatMap((event) => Array.from({ length: DELIVERIES - 1 }, (_, n) => ({ event, retryNum: n + 1 }))),
    random,
  );
  await inPool(retries, CONCURRENCY, ({ event, retryNum }) => deliver(event, retryNum));
  // Pass 3: the late events' retries, at the end, in pairs.
  const late = events.filter((e) => patterns.get(e) === 'late');
  await inPool(late, CONCURRENCY, async (event) => {
    await Promise.all([deliver(event, 1), deliver(event, 2)]);
    await deliver(event, 3);
  });
  const sent = secondsSince(started);
  await drained(server, 5 * 60_000);
  const processed = secondsSince(started);

  const actual = await memberTotals(
    server,
    WEEKS.map((w) => w.month),
  );
  const ledger = readLedger(rig.slack.calls);
  const appliedSubmissions = [...actual.values()].reduce((sum, m) => sum + m.submissions, 0);
  const appliedLikes = [...actual.values()].reduce((sum, m) => sum + m.likes, 0);
  const participants = [...expected.keys()].length;
  const broadcastsWanted = WEEKS.map((w) => w.label);
  const missingBroadcasts = [...expected.keys()].filter(
    (user) => !broadcastsWanted.some((label) => ledger.broadcasts.has(`${user} ${label}`)),
  );
  printFigures('retry storm', [
    ['seed', SEED],
    ['events', events.length],
    ['deliveries sent', deliveries],
    ['events delivered 4× at once', concurrentGroups],
    ['answers', [...answers].map(([status, n]) => `${status}: ${n}`).join(', ')],
    ['submissions applied / sent', `${appliedSubmissions} / ${replies.length}`],
    ['likes applied / sent', `${appliedLikes} / ${likes.length}`],
    ['members announced / taking part', `${ledger.broadcasts.size} / ${participants}`],
    ['broadcasts posted', total(ledger.broadcasts)],
    ['like DMs sent / likes', `${total(ledger.likeDms)} / ${likes.length}`],
    ['doubled posts or DMs', ledger.doubled.length],
    ['weekly posts', total(ledger.weeklyPosts)],
    ['first pass sent in', firstPass],
    ['all deliveries sent in', sent],
    ['all processed in', processed],
    ['throughput', `${Math.round(deliveries / ((Date.now() - started) / 1000))} deliveries/s`],
  ]);

  expect([...answers.keys()], 'every delivery is answered 200').toEqual([200]);
  expect(differences(expected, actual), 'each member: submissions, likes and weeks as sent').toEqual([]);
  expect(appliedSubmissions).toBe(replies.length);
  expect(appliedLikes).toBe(likes.length);
  expect(ledger.doubled, 'no post or DM twice').toEqual([]);
  expect(missingBroadcasts, 'every member who took part is announced').toEqual([]);
  expect(total(ledger.broadcasts)).toBe(participants);
  expect(total(ledger.likeDms), 'LIKE_DM=each: one DM per 👍 that changed a count').toBe(likes.length);
  expect(total(ledger.weeklyPosts)).toBe(WEEKS.length);
});
