import { describe, expect, it } from 'vitest';
import { SlackCallError } from '../../functions/adapters/slack/webApiSlack.js';
import { describeError } from '../../functions/app/logger.js';
import { weekByKey } from '../../functions/domain/calendar.js';
import { DEFAULT_BLOG_HOSTS } from '../../functions/domain/links.js';
import {
  koreanParticle,
  type Locale,
  type Templates,
  templatesFor,
} from '../../functions/messages/templates.js';

const ZONE = 'Asia/Seoul';
/** Monday 2026-11-23 .. Sunday 2026-11-29 23:59:59.999 Seoul. */
const week4 = weekByKey('2026-11-W4', ZONE);
const ko = templatesFor('ko');
const en = templatesFor('en');
const locales: Locale[] = ['ko', 'en'];
const REPLY_LINK = 'https://fake.slack.com/archives/C0TIL0001/p1795485600000001';
const DASHBOARD = 'https://til.example.com/dashboard';
const FOOTER = '#TIL #오늘배운것';

/** Slack tokens (bot, user, app, refresh, config) and bearer headers. */
const TOKEN_LIKE = /xox[abeoprs]-|xapp-|bearer\s/i;

describe('template tables', () => {
  it('Korean and English define the same messages', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ko).sort());
    for (const key of Object.keys(ko) as (keyof Templates)[]) {
      expect(typeof ko[key], key).toBe('function');
      expect(typeof en[key], key).toBe('function');
    }
  });
});

describe('weekly post', () => {
  it('is, in Korean, the bold label, the Sunday deadline, the hosts, the dashboard and the footer', () => {
    expect(
      ko.weeklyPost({
        week: week4,
        allowedBlogHosts: DEFAULT_BLOG_HOSTS,
        dashboardUrl: DASHBOARD,
        footer: FOOTER,
      }),
    ).toBe(
      [
        '*TIL 11월 4주차*',
        '이번 주에 배운 것을 블로그에 정리하고, 이 스레드에 글 링크를 답글로 남겨 주세요 ✍️',
        '마감: 11월 29일(일) 23:59까지',
        '인정되는 블로그: velog.io, *.github.io, github.com, blog.naver.com, m.blog.naver.com',
        `대시보드: ${DASHBOARD}`,
        FOOTER,
      ].join('\n'),
    );
  });

  it('is the same in English, with the English label and deadline', () => {
    expect(
      en.weeklyPost({ week: week4, allowedBlogHosts: ['velog.io'], dashboardUrl: DASHBOARD, footer: FOOTER }),
    ).toBe(
      [
        '*TIL November week 4*',
        'Write up what you learned this week and reply in this thread with the link to your post ✍️',
        'Deadline: Sun, Nov 29 23:59',
        'Accepted blogs: velog.io',
        `Dashboard: ${DASHBOARD}`,
        FOOTER,
      ].join('\n'),
    );
  });

  it.each(locales)('(%s) starts with the bold label and lists exactly the configured hosts', (locale) => {
    const t = templatesFor(locale);
    const text = t.weeklyPost({ week: week4, allowedBlogHosts: ['velog.io', '*.github.io'] });
    const lines = text.split('\n');
    expect(lines[0]).toBe(locale === 'ko' ? '*TIL 11월 4주차*' : '*TIL November week 4*');
    expect(lines.filter((line) => line.includes('velog.io, *.github.io'))).toHaveLength(1);
    expect(text).not.toContain('github.com');
  });

  it.each(locales)('(%s) shows the dashboard line only when a dashboard URL is set', (locale) => {
    const t = templatesFor(locale);
    const without = t.weeklyPost({ week: week4, allowedBlogHosts: DEFAULT_BLOG_HOSTS });
    const withDashboard = t.weeklyPost({
      week: week4,
      allowedBlogHosts: DEFAULT_BLOG_HOSTS,
      dashboardUrl: DASHBOARD,
    });
    expect(without).not.toContain('https://');
    expect(without.split('\n')).toHaveLength(4);
    expect(withDashboard.split('\n')).toHaveLength(5);
    expect(withDashboard.split('\n')[4]).toMatch(
      /^(대시보드|Dashboard): https:\/\/til\.example\.com\/dashboard$/,
    );
  });

  it.each(locales)('(%s) ends with the footer only when one is set', (locale) => {
    const t = templatesFor(locale);
    const without = t.weeklyPost({ week: week4, allowedBlogHosts: DEFAULT_BLOG_HOSTS });
    const withFooter = t.weeklyPost({ week: week4, allowedBlogHosts: DEFAULT_BLOG_HOSTS, footer: FOOTER });
    expect(without).not.toContain('#TIL');
    expect(withFooter).toBe(`${without}\n${FOOTER}`);
  });

  it('puts the deadline on the Sunday of the week in the configured zone, for every week of a month', () => {
    const sundays = ['11월 8일(일)', '11월 15일(일)', '11월 22일(일)', '11월 29일(일)', '12월 6일(일)'];
    sundays.forEach((sunday, i) => {
      const week = weekByKey(`2026-11-W${i + 1}`, ZONE);
      expect(ko.weeklyPost({ week, allowedBlogHosts: DEFAULT_BLOG_HOSTS }).split('\n')[2]).toBe(
        `마감: ${sunday} 23:59까지`,
      );
    });
    // Same week keys in another zone: the deadline is that zone's Sunday 23:59, not Seoul's.
    const newYork = weekByKey('2026-11-W4', 'America/New_York');
    expect(en.weeklyPost({ week: newYork, allowedBlogHosts: DEFAULT_BLOG_HOSTS }).split('\n')[2]).toBe(
      'Deadline: Sun, Nov 29 23:59',
    );
  });
});

describe('broadcast', () => {
  it('is exactly the participation line followed by the reply link', () => {
    expect(ko.broadcast({ userId: 'U0ALICE', week: week4, replyLink: REPLY_LINK })).toBe(
      `<@U0ALICE>님이 TIL 11월 4주차 챌린지에 참여했습니다 🔥🔥 <${REPLY_LINK}|글 보러 가기>`,
    );
    expect(en.broadcast({ userId: 'U0ALICE', week: week4, replyLink: REPLY_LINK })).toBe(
      `<@U0ALICE> joined the TIL November week 4 challenge 🔥🔥 <${REPLY_LINK}|Read the post>`,
    );
  });
});

describe('like DM', () => {
  const duringWeek4 = Date.parse('2026-11-26T12:00:00+09:00');
  const weeksLater = Date.parse('2026-12-15T12:00:00+09:00');
  const nextYear = Date.parse('2027-01-12T12:00:00+09:00');

  it("#19: names the week the post belongs to and that week's total, saying TIL once", () => {
    expect(ko.likeDm({ week: week4, weekLikes: 3, replyLink: REPLY_LINK, at: duringWeek4 })).toBe(
      `TIL 11월 4주차에 올린 <${REPLY_LINK}|글>의 👍가 이번 주 합계 3개가 되었어요!`,
    );
    expect(en.likeDm({ week: week4, weekLikes: 3, replyLink: REPLY_LINK, at: duringWeek4 })).toBe(
      `Your <${REPLY_LINK}|post> for TIL November week 4 now has 3 👍, this week's total!`,
    );
    for (const t of [ko, en]) {
      const text = t.likeDm({ week: week4, weekLikes: 3, replyLink: REPLY_LINK, at: duringWeek4 });
      expect(text.match(/TIL /g), text).toHaveLength(1);
    }
  });

  it('#19: does not call an earlier week "this week"', () => {
    expect(ko.likeDm({ week: week4, weekLikes: 4, replyLink: REPLY_LINK, at: weeksLater })).toBe(
      `TIL 11월 4주차에 올린 <${REPLY_LINK}|글>의 👍가 그 주 합계 4개가 되었어요!`,
    );
    expect(en.likeDm({ week: week4, weekLikes: 4, replyLink: REPLY_LINK, at: weeksLater })).toBe(
      `Your <${REPLY_LINK}|post> for TIL November week 4 now has 4 👍, that week's total!`,
    );
  });

  it("#19: gives the year of a post from another year than the like's", () => {
    expect(ko.likeDm({ week: week4, weekLikes: 5, replyLink: REPLY_LINK, at: nextYear })).toBe(
      `2026년 TIL 11월 4주차에 올린 <${REPLY_LINK}|글>의 👍가 그 주 합계 5개가 되었어요!`,
    );
    expect(en.likeDm({ week: week4, weekLikes: 5, replyLink: REPLY_LINK, at: nextYear })).toBe(
      `Your <${REPLY_LINK}|post> for TIL November 2026 week 4 now has 5 👍, that week's total!`,
    );
  });

  it('says "the week\'s total" when it is not told when the like was', () => {
    expect(ko.likeDm({ week: week4, weekLikes: 1, replyLink: REPLY_LINK })).toBe(
      `TIL 11월 4주차에 올린 <${REPLY_LINK}|글>의 👍가 주차 합계 1개가 되었어요!`,
    );
    expect(en.likeDm({ week: week4, weekLikes: 1, replyLink: REPLY_LINK })).toBe(
      `Your <${REPLY_LINK}|post> for TIL November week 4 now has 1 👍, the week's total!`,
    );
  });
});

describe('monthly award', () => {
  const award = {
    month: '2026-11',
    specialChallengers: [
      { userId: 'U0ALICE', likes: 3 },
      { userId: 'U0BOB', likes: 3 },
    ],
    challengers: [
      { userId: 'U0ALICE', likes: 3 },
      { userId: 'U0BOB', likes: 3 },
      { userId: 'U0CAROL', likes: 0 },
    ],
  };

  it('#19: says how many weeks were posted', () => {
    expect(ko.monthlyAward({ ...award, weeksPosted: 4 }).split('\n')[4]).toBe(
      '🔥 챌린저 (게시된 4주 모두 참여, 3명)',
    );
    expect(en.monthlyAward({ ...award, weeksPosted: 4 }).split('\n')[4]).toBe(
      '🔥 Challengers (all 4 posted weeks, 3)',
    );
  });

  it('lists the special challengers, then every challenger, each with their 👍', () => {
    expect(ko.monthlyAward(award)).toBe(
      [
        '*11월 TIL 챌린지 결과* 🎉',
        '🏆 스페셜 챌린저 (가장 많은 👍)',
        '🥇 <@U0ALICE> 👍 3',
        '🥇 <@U0BOB> 👍 3',
        '🔥 챌린저 (모든 주차 참여, 3명)',
        '• <@U0ALICE> 👍 3',
        '• <@U0BOB> 👍 3',
        '• <@U0CAROL> 👍 0',
        '모두 수고하셨습니다!',
      ].join('\n'),
    );
    expect(en.monthlyAward(award)).toBe(
      [
        '*TIL challenge results for November* 🎉',
        '🏆 Special challengers (most 👍)',
        '🥇 <@U0ALICE> 👍 3',
        '🥇 <@U0BOB> 👍 3',
        '🔥 Challengers (every week, 3)',
        '• <@U0ALICE> 👍 3',
        '• <@U0BOB> 👍 3',
        '• <@U0CAROL> 👍 0',
        'Well done, everyone!',
      ].join('\n'),
    );
  });

  it('names the month of the award, not the month it is posted in', () => {
    expect(ko.monthlyAward({ ...award, month: '2026-12' }).split('\n')[0]).toBe('*12월 TIL 챌린지 결과* 🎉');
    expect(en.monthlyAward({ ...award, month: '2027-01' }).split('\n')[0]).toBe(
      '*TIL challenge results for January* 🎉',
    );
  });

  it('#19: says so when nobody took part in every week, about that month, not "this month"', () => {
    const nobody = { month: '2026-11', challengers: [], specialChallengers: [], weeksPosted: 5 };
    expect(ko.monthlyAward(nobody)).toBe(
      '*11월 TIL 챌린지 결과*\n11월에 게시된 5주 모두에 참여한 챌린저는 없었습니다. 이번 달에 도전해 주세요 💪',
    );
    expect(en.monthlyAward(nobody)).toBe(
      '*TIL challenge results for November*\nNobody took part in all 5 posted weeks of November. This month is a new chance 💪',
    );
    const { weeksPosted: _, ...withoutCount } = nobody;
    expect(ko.monthlyAward(withoutCount).split('\n')[1]).toBe(
      '11월의 모든 주차에 참여한 챌린저는 없었습니다. 이번 달에 도전해 주세요 💪',
    );
    for (const text of [ko.monthlyAward(nobody), ko.monthlyAward(withoutCount)]) {
      expect(text).not.toContain('이번 달에는');
      expect(text).not.toContain('다음 달');
    }
    expect(en.monthlyAward(nobody)).not.toContain('this month.');
  });
});

describe('admin alerts', () => {
  /** Reasons as the app builds them: describeError of what the adapters throw. */
  const reasons = [
    describeError(new SlackCallError('chat.postMessage', 'channel_not_found')),
    describeError(new SlackCallError('chat.postMessage', 'request_failed', 'fetch failed: ECONNREFUSED')),
    describeError(
      new Error('document week:2026-11-W4 in partition C0TIL:2026-11 was changed by another writer'),
    ),
  ];

  it.each(locales)('(%s) name what failed and the event id', (locale) => {
    const t = templatesFor(locale);
    const dead = t.alertDeadLettered({ eventId: 'Ev0123ABCD', deliveries: 5, reason: reasons[0]! });
    expect(dead).toContain('Ev0123ABCD');
    expect(dead).toContain('5');
    expect(dead).toContain('channel_not_found');
    const scheduled = t.alertScheduledPostFailed({ job: 'weekly post 2026-11-W4', reason: reasons[0]! });
    expect(scheduled).toContain(locale === 'ko' ? '2026년 11월 4주차 주간 공지' : 'weekly post 2026-11-W4');
    expect(scheduled).toContain('channel_not_found');
    const call = t.alertSlackCallFailed({
      method: 'chat.getPermalink',
      reason: 'ratelimited',
      eventId: 'Ev9',
    });
    expect(call).toContain('chat.getPermalink');
    expect(call).toContain('Ev9');
    expect(t.alertSlackCallFailed({ method: 'users.info', reason: 'ratelimited' })).not.toMatch(/Ev|이벤트/);
  });

  it('#19: name the scheduled jobs in Korean', () => {
    expect(ko.alertScheduledPostFailed({ job: 'weekly post 2026-11-W4', reason: 'boom' })).toBe(
      '⚠️ [TIL 봇] 예약 작업 「2026년 11월 4주차 주간 공지」 게시에 실패했습니다. 원인: boom — 다음 실행 때 다시 시도합니다.',
    );
    expect(ko.alertScheduledPostFailed({ job: 'monthly award 2026-11', reason: 'boom' })).toContain(
      '예약 작업 「2026년 11월 결과 발표」 게시에',
    );
    // A job it does not know is named as the app names it.
    expect(ko.alertScheduledPostFailed({ job: 'reminders 2026-11-W4', reason: 'boom' })).toContain(
      '「reminders 2026-11-W4」',
    );
    expect(en.alertScheduledPostFailed({ job: 'weekly post 2026-11-W4', reason: 'boom' })).toContain(
      'Scheduled job weekly post 2026-11-W4 failed',
    );
  });

  it.each([
    ['Ev0123ABCD', '를'],
    ['Ev0123ABCL', '을'],
    ['Ev01M', '을'],
    ['Ev01N', '을'],
    ['Ev01R', '을'],
    ['Ev01', '을'],
    ['Ev03', '을'],
    ['Ev06', '을'],
    ['Ev07', '을'],
    ['Ev08', '을'],
    ['Ev10', '을'],
    ['Ev02', '를'],
    ['Ev04', '를'],
    ['Ev05', '를'],
    ['Ev09', '를'],
    ['thread-recorded:1793577600.000100', '을'],
  ])(
    '#19: says "이벤트 %s%s", the particle its last character takes when read in Korean',
    (eventId, particle) => {
      expect(ko.alertDeadLettered({ eventId, deliveries: 5, reason: 'boom' })).toContain(
        `이벤트 ${eventId}${particle} `,
      );
    },
  );

  it.each([
    ['사람', '을/를', '을'],
    ['나무', '을/를', '를'],
    ['서울', '으로/로', '로'],
    ['부산', '으로/로', '으로'],
    ['코드', '으로/로', '로'],
    ['Ev1', '으로/로', '로'],
    ['Ev3', '으로/로', '으로'],
    ['UL', '으로/로', '로'],
    ['UM', '으로/로', '으로'],
    ['Ev1', '이/가', '이'],
    ['Ev2', '이/가', '가'],
    ['job.', '은/는', '는'],
    ['U0ALICE', '은/는', '는'],
    ['', '을/를', '을(를)'],
    ['🔥', '이/가', '이(가)'],
  ] as const)('#19: koreanParticle(%j, %s) is %s', (word, pair, expected) => {
    expect(koreanParticle(word, pair)).toBe(expected);
  });

  it('are, in Korean, exactly these lines', () => {
    expect(ko.alertScheduledPostFailed({ job: 'weekly post 2026-11-W4', reason: reasons[0]! })).toBe(
      '⚠️ [TIL 봇] 예약 작업 「2026년 11월 4주차 주간 공지」 게시에 실패했습니다. 원인: Slack chat.postMessage failed: channel_not_found — 다음 실행 때 다시 시도합니다.',
    );
    expect(ko.alertDeadLettered({ eventId: 'Ev0123ABCD', deliveries: 5, reason: 'boom' })).toBe(
      '⚠️ [TIL 봇] 이벤트 Ev0123ABCD를 5번 시도했지만 처리하지 못해 dead-letter로 옮겼습니다. 원인: boom',
    );
    expect(
      ko.alertSlackCallFailed({ method: 'chat.postMessage', reason: 'ratelimited', eventId: 'Ev9' }),
    ).toBe(
      '⚠️ [TIL 봇] Slack API chat.postMessage 호출이 재시도 후에도 실패했습니다 (이벤트 Ev9). 원인: ratelimited',
    );
  });

  it.each(locales)('(%s) never contain a token-like string', (locale) => {
    const t = templatesFor(locale);
    const texts = reasons.flatMap((reason) => [
      t.alertDeadLettered({ eventId: 'Ev0123ABCD', deliveries: 5, reason }),
      t.alertScheduledPostFailed({ job: 'monthly award 2026-11', reason }),
      t.alertSlackCallFailed({ method: 'chat.postMessage', reason, eventId: 'Ev0123ABCD' }),
    ]);
    for (const text of texts) expect(text).not.toMatch(TOKEN_LIKE);
    // The pattern is live: it catches the shapes of Slack tokens and bearer headers.
    for (const secret of ['xoxb-123-456-abc', 'xoxp-1-2', 'xapp-1-A0', 'Authorization: Bearer abc']) {
      expect(secret).toMatch(TOKEN_LIKE);
    }
  });
});
