/**
 * A fake clock walks November 2026 (and the first days of December) through the real local server, started
 * as a child process, with fake Slack answering its Web API calls: five weekly posts, replies and 👍 as
 * signed Slack events, like DMs, and November's award on the first Monday of December.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { weekByKey } from '../../functions/domain/calendar.js';
import { DEFAULT_BLOG_HOSTS } from '../../functions/domain/links.js';
import { templatesFor } from '../../functions/messages/templates.js';
import { startFakeSlack } from '../support/fakeSlack.js';
import {
  CHANNEL,
  getJson,
  postSlackEvent,
  startLocalServer,
  tick,
  waitUntilIdle,
} from '../support/localServer.js';
import { reaction, reply, tsAt } from '../support/slackPayloads.js';
import { makeTempDir } from '../support/tempDir.js';
import { channelPosts, directMessagesTo, fakeClock, postsStartingWith } from './scheduleHarness.js';

const BOT_TOKEN = 'xoxb-test';
const ADMIN = 'U0ADMIN1';
const DASHBOARD = 'https://til.example.com/dashboard';
const FOOTER = '#TIL #오늘배운것';
const ZONE = 'Asia/Seoul';
const ko = templatesFor('ko');

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const DAVE = 'U0DAVE';

const kst = (local: string) => `${local}+09:00`;
const permalink = (ts: string) => `https://fake.slack.com/archives/${CHANNEL}/p${ts.replace('.', '')}`;
const firstLine = (text: unknown) => String(text).split('\n')[0] ?? '';

interface StatsWeek {
  key: string;
  ordinal: number;
  label: string;
  startsOn: string;
  threadTs: string;
  participants: number;
  likes: number;
}
interface Stats {
  month: string;
  weeks: StatsWeek[];
  members: { userId: string; name: string; weeks: string[]; submissions: number; likes: number }[];
  challengers: string[];
  specialChallengers: string[];
}
interface Tick {
  week: string;
  weeklyPost: string;
  monthlyAward: string;
  awardMonth?: string;
}

/** One app run: a data dir, fake Slack on the test clock, and the local server pointed at it. */
async function startApp(env: Record<string, string> = {}) {
  const clock = fakeClock('2026-11-01T12:00:00+09:00');
  const dataDir = await makeTempDir('til-month-walk');
  const fake = await startFakeSlack({ token: BOT_TOKEN, now: clock.now });
  fake.setUser(ALICE, { name: '앨리스', isBot: false });
  fake.setUser(BOB, { name: '밥', isBot: false });
  fake.setUser(CAROL, { name: '캐럴', isBot: false });
  fake.setUser(DAVE, { name: '데이브', isBot: false });
  const server = await startLocalServer({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.url,
    ADMIN_USER_IDS: ADMIN,
    DASHBOARD_URL: DASHBOARD,
    WEEKLY_FOOTER: FOOTER,
    DATA_DIR: dataDir.path,
    ...env,
  });

  const app = {
    clock,
    fake,
    server,
    /** POST /api/admin/tick with the test clock set to that instant (fake Slack stamps posts with it). */
    async tickAt(local: string): Promise<Tick> {
      const iso = kst(local);
      clock.set(iso);
      return (await tick(server, iso)) as unknown as Tick;
    },
    /** An event as it happened in Slack: Slack's state (which the re-sync reads back) and its delivery. */
    async send(body: unknown) {
      fake.applyEvent(body);
      const res = await postSlackEvent(server, body);
      expect(res.status).toBe(200);
    },
    /** A member's reply with a blog link in a week's thread, sent at local time `local`. */
    async replyAt(user: string, threadTs: string, local: string, url: string): Promise<string> {
      const ts = tsAt(kst(local), 1);
      clock.set(kst(local));
      await app.send(reply({ user, ts, threadTs, text: `이번 주 TIL입니다 <${url}>` }));
      return ts;
    },
    async likeAt(user: string, itemTs: string, itemUser: string, local: string, added = true) {
      clock.set(kst(local));
      await app.send(reaction({ user, itemTs, itemUser, eventTs: tsAt(kst(local), 2), added }));
    },
    async stats(month: string): Promise<Stats> {
      const { status, body } = await getJson<Stats>(server, `/api/stats?month=${month}`);
      expect(status).toBe(200);
      return body;
    },
    async threadOf(weekKey: string): Promise<string> {
      const week = (await app.stats(weekKey.slice(0, 7))).weeks.find((w) => w.key === weekKey);
      if (!week) throw new Error(`${weekKey} has no thread`);
      return week.threadTs;
    },
    async close() {
      await server.stop();
      await fake.close();
      await dataDir.remove();
    },
  };
  return app;
}

type App = Awaited<ReturnType<typeof startApp>>;

const weeklyPostText = (weekKey: string) =>
  ko.weeklyPost({
    week: weekByKey(weekKey, ZONE),
    allowedBlogHosts: DEFAULT_BLOG_HOSTS,
    dashboardUrl: DASHBOARD,
    footer: FOOTER,
  });

describe('a month of the challenge through the local server', () => {
  let app: App;
  beforeAll(async () => {
    // A DM per change, to follow each total (batched DMs: test/handlers/likeDmBatched.test.ts).
    app = await startApp({ LIKE_DM: 'each' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const postsOf = (label: string) => postsStartingWith(app.fake, `*${label}*`);
  const awardPosts = () => postsStartingWith(app.fake, '*11월 TIL 챌린지 결과*');
  /** Replies by week, for the checks after the walk. */
  const replies: Record<string, Record<string, string>> = {};

  /** Ticks through one Monday: nothing before 09:00, the post at 09:00, nothing more the rest of the day. */
  async function postWeek(weekKey: string, monday: string) {
    const label = weekByKey(weekKey, ZONE).label;
    expect(await app.tickAt(`${monday}T00:00:00`)).toMatchObject({ week: weekKey, weeklyPost: 'not-due' });
    expect(await app.tickAt(`${monday}T08:59:59`)).toMatchObject({ week: weekKey, weeklyPost: 'not-due' });
    expect(postsOf(label)).toHaveLength(0);
    expect(await app.tickAt(`${monday}T09:00:00`)).toMatchObject({ week: weekKey, weeklyPost: 'posted' });
    for (const time of ['09:00:00', '09:01:00', '13:30:00', '23:59:59']) {
      expect(await app.tickAt(`${monday}T${time}`)).toMatchObject({ weeklyPost: 'already-posted' });
    }
    expect(postsOf(label)).toHaveLength(1);
    return app.threadOf(weekKey);
  }

  it('week 1 (Mon 11-02): posts once at 09:00; four members take part; likes and a self-like', async () => {
    // Sunday 11-01 belongs to October's last week: the walk starts on Monday.
    const thread = await postWeek('2026-11-W1', '2026-11-02');
    expect(postsOf('TIL 11월 1주차')[0]!.args.text).toBe(
      [
        '*TIL 11월 1주차*',
        '이번 주에 배운 것을 블로그에 정리하고, 이 스레드에 글 링크를 답글로 남겨 주세요 ✍️',
        '마감: 11월 8일(일) 23:59까지',
        '인정되는 블로그: velog.io, *.github.io, github.com, blog.naver.com, m.blog.naver.com',
        `대시보드: ${DASHBOARD}`,
        FOOTER,
      ].join('\n'),
    );
    // October had no weekly post: nothing to award on November's first Monday.
    expect(await app.tickAt('2026-11-02T10:00:00')).toMatchObject({
      awardMonth: '2026-10',
      monthlyAward: 'nothing-to-award',
    });

    const w = {
      [ALICE]: await app.replyAt(ALICE, thread, '2026-11-03T10:00:00', 'https://velog.io/@alice/til-1'),
      [BOB]: await app.replyAt(BOB, thread, '2026-11-04T21:00:00', 'https://bob.github.io/til/1'),
      [CAROL]: await app.replyAt(CAROL, thread, '2026-11-05T22:00:00', 'https://blog.naver.com/carol/1'),
      [DAVE]: await app.replyAt(DAVE, thread, '2026-11-08T23:30:00', 'https://github.com/dave/til'),
    };
    replies.W1 = w;
    await app.likeAt(BOB, w[ALICE]!, ALICE, '2026-11-03T12:00:00');
    await app.likeAt(ALICE, w[ALICE]!, ALICE, '2026-11-03T12:30:00'); // self-like: does not count
    await app.likeAt(ALICE, w[BOB]!, BOB, '2026-11-05T08:00:00');
    for (const liker of [ALICE, BOB, CAROL]) await app.likeAt(liker, w[DAVE]!, DAVE, '2026-11-08T23:50:00');
    await waitUntilIdle(app.server);
    expect(await app.tickAt('2026-11-05T12:00:00')).toMatchObject({ weeklyPost: 'already-posted' });

    const broadcast = await app.fake.waitFor((c) => String(c.args.text).startsWith(`<@${ALICE}>님이`));
    expect(broadcast.args).toMatchObject({ channel: CHANNEL });
    expect(broadcast.args.text).toBe(
      `<@${ALICE}>님이 TIL 11월 1주차 챌린지에 참여했습니다 🔥🔥 <${permalink(w[ALICE]!)}|글 보러 가기>`,
    );
  });

  it('week 2 (Mon 11-09): an early tick posts nothing; a like is added and taken back', async () => {
    expect(await app.tickAt('2026-11-08T23:59:59')).toMatchObject({
      week: '2026-11-W1',
      weeklyPost: 'already-posted',
    });
    const thread = await postWeek('2026-11-W2', '2026-11-09');
    const w = {
      [ALICE]: await app.replyAt(ALICE, thread, '2026-11-09T12:00:00', 'https://velog.io/@alice/til-2'),
      [BOB]: await app.replyAt(BOB, thread, '2026-11-10T12:00:00', 'https://bob.github.io/til/2'),
      [CAROL]: await app.replyAt(CAROL, thread, '2026-11-11T12:00:00', 'https://m.blog.naver.com/carol/2'),
      [DAVE]: await app.replyAt(DAVE, thread, '2026-11-12T12:00:00', 'https://velog.io/@dave/2'),
    };
    replies.W2 = w;
    await app.likeAt(ALICE, w[DAVE]!, DAVE, '2026-11-12T13:00:00');
    await app.likeAt(BOB, w[DAVE]!, DAVE, '2026-11-12T14:00:00');
    await app.likeAt(DAVE, w[CAROL]!, CAROL, '2026-11-12T15:00:00');
    await app.likeAt(DAVE, w[CAROL]!, CAROL, '2026-11-12T15:05:00', false);
    await waitUntilIdle(app.server);
  });

  it('week 3 (Mon 11-16): Dave misses it (his reply comes after the deadline)', async () => {
    const thread = await postWeek('2026-11-W3', '2026-11-16');
    const w = {
      [ALICE]: await app.replyAt(ALICE, thread, '2026-11-17T09:30:00', 'https://velog.io/@alice/til-3'),
      [BOB]: await app.replyAt(BOB, thread, '2026-11-18T09:30:00', 'https://bob.github.io/til/3'),
      [CAROL]: await app.replyAt(CAROL, thread, '2026-11-22T23:59:00', 'https://blog.naver.com/carol/3'),
    };
    replies.W3 = w;
    await app.likeAt(ALICE, w[BOB]!, BOB, '2026-11-18T10:00:00');
    await app.likeAt(CAROL, w[BOB]!, BOB, '2026-11-19T10:00:00');
    await postWeek('2026-11-W4', '2026-11-23');
    // Monday 11-23 00:10 is past week 3's Sunday 23:59: late, counts for no week, no broadcast.
    const late = await app.replyAt(DAVE, thread, '2026-11-23T00:10:00', 'https://velog.io/@dave/3');
    await app.likeAt(ALICE, late, DAVE, '2026-11-23T00:20:00');
    await waitUntilIdle(app.server);
    expect(channelPosts(app.fake).map((c) => c.args.text)).not.toContainEqual(
      expect.stringContaining(`<@${DAVE}>님이 TIL 11월 3주차`),
    );
  });

  it('week 4 (Mon 11-23): everyone takes part', async () => {
    const thread = await app.threadOf('2026-11-W4');
    const w = {
      [ALICE]: await app.replyAt(ALICE, thread, '2026-11-24T09:30:00', 'https://velog.io/@alice/til-4'),
      [BOB]: await app.replyAt(BOB, thread, '2026-11-25T09:30:00', 'https://bob.github.io/til/4'),
      [CAROL]: await app.replyAt(CAROL, thread, '2026-11-26T09:30:00', 'https://blog.naver.com/carol/4'),
      [DAVE]: await app.replyAt(DAVE, thread, '2026-11-27T09:30:00', 'https://github.com/dave/til-4'),
    };
    replies.W4 = w;
    await app.likeAt(ALICE, w[CAROL]!, CAROL, '2026-11-26T10:00:00');
    await waitUntilIdle(app.server);
  });

  it('week 5 (Mon 11-30, Sunday 12-06): a reply on 12-02 counts for November week 5; a like DM', async () => {
    const thread = await postWeek('2026-11-W5', '2026-11-30');
    expect(postsOf('TIL 11월 5주차')[0]!.args.text).toBe(weeklyPostText('2026-11-W5'));
    expect(postsOf('TIL 11월 5주차')[0]!.args.text).toContain('마감: 12월 6일(일) 23:59까지');
    expect(await app.tickAt('2026-12-01T09:00:00')).toMatchObject({
      week: '2026-11-W5',
      weeklyPost: 'already-posted',
      monthlyAward: 'not-due',
    });

    const w = {
      [BOB]: await app.replyAt(BOB, thread, '2026-11-30T20:00:00', 'https://bob.github.io/til/5'),
      [ALICE]: await app.replyAt(ALICE, thread, '2026-12-02T10:00:00', 'https://velog.io/@alice/til-5'),
      [CAROL]: await app.replyAt(CAROL, thread, '2026-12-03T10:00:00', 'https://blog.naver.com/carol/5'),
      [DAVE]: await app.replyAt(DAVE, thread, '2026-12-06T23:00:00', 'https://velog.io/@dave/5'),
    };
    replies.W5 = w;
    await app.likeAt(BOB, w[ALICE]!, ALICE, '2026-12-02T12:00:00');
    await app.likeAt(CAROL, w[ALICE]!, ALICE, '2026-12-03T09:00:00');
    await waitUntilIdle(app.server);

    const stats = await app.stats('2026-11');
    expect(stats.weeks.find((x) => x.key === '2026-11-W5')).toMatchObject({ participants: 4, likes: 2 });
    expect(stats.members.find((m) => m.userId === ALICE)?.weeks).toContain('2026-11-W5');
    const december = await app.stats('2026-12');
    expect(december.weeks).toEqual([]);
    expect(december.members).toEqual([]);

    // The like DM: conversations.open with the author, then the total for the week in that conversation.
    expect(app.fake.calls).toContainEqual({ method: 'conversations.open', args: { users: ALICE }, ok: true });
    expect(directMessagesTo(app.fake, ALICE).map((c) => c.args.text)).toEqual([
      `TIL 11월 1주차에 올린 <${permalink(replies.W1![ALICE]!)}|글>의 👍가 이번 주 합계 1개가 되었어요!`,
      `TIL 11월 5주차에 올린 <${permalink(w[ALICE]!)}|글>의 👍가 이번 주 합계 1개가 되었어요!`,
      `TIL 11월 5주차에 올린 <${permalink(w[ALICE]!)}|글>의 👍가 이번 주 합계 2개가 되었어요!`,
    ]);
    // The last week's Sunday tick changes nothing.
    expect(await app.tickAt('2026-12-06T23:59:59')).toMatchObject({
      week: '2026-11-W5',
      weeklyPost: 'already-posted',
      monthlyAward: 'not-due',
    });
  });

  it("the first Monday of December posts its week, then November's award, once", async () => {
    expect(await app.tickAt('2026-12-07T08:59:59')).toMatchObject({
      week: '2026-12-W1',
      weeklyPost: 'not-due',
      monthlyAward: 'not-due',
    });
    expect(awardPosts()).toHaveLength(0);

    expect(await app.tickAt('2026-12-07T09:00:00')).toEqual({
      now: '2026-12-07T00:00:00.000Z',
      week: '2026-12-W1',
      weeklyPost: 'posted',
      monthlyAward: 'posted',
      awardMonth: '2026-11',
      // The award re-read November's threads first (week 5's too, so it is not due again); the new week's thread
      // is read once, and Slack and the store agree.
      resync: [{ week: '2026-12-W1', outcome: 'read', slackCalls: 1, events: 0 }],
    });
    for (const local of [
      '2026-12-07T09:00:00',
      '2026-12-07T12:00:00',
      '2026-12-08T09:00:00',
      '2026-12-08T10:00:00',
    ]) {
      expect(await app.tickAt(local)).toMatchObject({
        weeklyPost: 'already-posted',
        monthlyAward: 'already-posted',
        awardMonth: '2026-11',
      });
    }
    expect(awardPosts()).toHaveLength(1);
    expect(awardPosts()[0]!.args.text).toBe(
      [
        '*11월 TIL 챌린지 결과* 🎉',
        '🏆 스페셜 챌린저 (가장 많은 👍)',
        `🥇 <@${ALICE}> 👍 3`,
        `🥇 <@${BOB}> 👍 3`,
        '🔥 챌린저 (게시된 5주 모두 참여, 3명)',
        `• <@${ALICE}> 👍 3`,
        `• <@${BOB}> 👍 3`,
        `• <@${CAROL}> 👍 1`,
        '모두 수고하셨습니다!',
      ].join('\n'),
    );

    // The weekly posts and the award, in the channel, in order, each once; between them only broadcasts.
    const scheduled = channelPosts(app.fake)
      .map((c) => firstLine(c.args.text))
      .filter((line) => line.startsWith('*'));
    expect(scheduled).toEqual([
      '*TIL 11월 1주차*',
      '*TIL 11월 2주차*',
      '*TIL 11월 3주차*',
      '*TIL 11월 4주차*',
      '*TIL 11월 5주차*',
      '*TIL 12월 1주차*',
      '*11월 TIL 챌린지 결과* 🎉',
    ]);
    for (const key of ['2026-11-W2', '2026-11-W3', '2026-11-W4', '2026-12-W1']) {
      expect(postsOf(weekByKey(key, ZONE).label)[0]!.args.text).toBe(weeklyPostText(key));
    }
  });

  it('the stats API agrees with the award', async () => {
    const stats = await app.stats('2026-11');
    expect(
      stats.weeks.map(({ key, ordinal, label, startsOn, participants, likes }) => ({
        key,
        ordinal,
        label,
        startsOn,
        participants,
        likes,
      })),
    ).toEqual([
      {
        key: '2026-11-W1',
        ordinal: 1,
        label: 'TIL 11월 1주차',
        startsOn: '2026-11-02',
        participants: 4,
        likes: 5,
      },
      {
        key: '2026-11-W2',
        ordinal: 2,
        label: 'TIL 11월 2주차',
        startsOn: '2026-11-09',
        participants: 4,
        likes: 2,
      },
      {
        key: '2026-11-W3',
        ordinal: 3,
        label: 'TIL 11월 3주차',
        startsOn: '2026-11-16',
        participants: 3,
        likes: 2,
      },
      {
        key: '2026-11-W4',
        ordinal: 4,
        label: 'TIL 11월 4주차',
        startsOn: '2026-11-23',
        participants: 4,
        likes: 1,
      },
      {
        key: '2026-11-W5',
        ordinal: 5,
        label: 'TIL 11월 5주차',
        startsOn: '2026-11-30',
        participants: 4,
        likes: 2,
      },
    ]);
    const all = ['2026-11-W1', '2026-11-W2', '2026-11-W3', '2026-11-W4', '2026-11-W5'];
    expect(stats.members).toEqual([
      {
        userId: DAVE,
        name: '데이브',
        weeks: ['2026-11-W1', '2026-11-W2', '2026-11-W4', '2026-11-W5'],
        passes: [],
        submissions: 4,
        likes: 5,
        challenger: false,
      },
      { userId: ALICE, name: '앨리스', weeks: all, passes: [], submissions: 5, likes: 3, challenger: true },
      { userId: BOB, name: '밥', weeks: all, passes: [], submissions: 5, likes: 3, challenger: true },
      { userId: CAROL, name: '캐럴', weeks: all, passes: [], submissions: 5, likes: 1, challenger: true },
    ]);
    expect(stats.challengers).toEqual([ALICE, BOB, CAROL]);
    expect(stats.specialChallengers).toEqual([ALICE, BOB]);
    // The week threads are the weekly posts, stamped on each Monday at 09:00.
    expect(stats.weeks.map((w) => new Date(Number(w.threadTs) * 1000).toISOString())).toEqual([
      '2026-11-02T00:00:00.000Z',
      '2026-11-09T00:00:00.000Z',
      '2026-11-16T00:00:00.000Z',
      '2026-11-23T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z',
    ]);
  });

  it('broadcast each participation once, and alerted no admin', () => {
    const broadcasts = channelPosts(app.fake)
      .map((c) => String(c.args.text))
      .filter((text) => text.includes('챌린지에 참여했습니다'));
    const expected = Object.entries(replies).flatMap(([week, byUser]) =>
      Object.entries(byUser).map(
        ([user, ts]) =>
          `<@${user}>님이 TIL 11월 ${week.slice(1)}주차 챌린지에 참여했습니다 🔥🔥 <${permalink(ts)}|글 보러 가기>`,
      ),
    );
    expect(expected).toHaveLength(19);
    expect([...broadcasts].sort()).toEqual([...expected].sort());
    expect(app.fake.calls.filter((c) => c.method === 'conversations.open' && c.args.users === ADMIN)).toEqual(
      [],
    );
    expect(app.fake.calls.filter((c) => !c.ok)).toEqual([]);
  });
});

describe('LIKE_DM=off', () => {
  let app: App;
  beforeEach(async () => {
    app = await startApp({ LIKE_DM: 'off' });
  });
  afterEach(async () => {
    await app?.close();
  });

  it('counts likes but sends no DM', async () => {
    expect(await app.tickAt('2026-11-23T09:00:00')).toMatchObject({ weeklyPost: 'posted' });
    const thread = await app.threadOf('2026-11-W4');
    const ts = await app.replyAt(ALICE, thread, '2026-11-24T10:00:00', 'https://velog.io/@alice/til');
    await app.likeAt(BOB, ts, ALICE, '2026-11-24T11:00:00');
    await app.likeAt(CAROL, ts, ALICE, '2026-11-24T12:00:00');
    await waitUntilIdle(app.server);

    expect((await app.stats('2026-11')).weeks[0]).toMatchObject({ participants: 1, likes: 2 });
    expect(app.fake.calls.filter((c) => c.method === 'conversations.open')).toEqual([]);
    expect(directMessagesTo(app.fake, ALICE)).toEqual([]);
    expect(channelPosts(app.fake).map((c) => firstLine(c.args.text))).toEqual([
      '*TIL 11월 4주차*',
      `<@${ALICE}>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${permalink(ts)}|글 보러 가기>`,
    ]);
  });
});
