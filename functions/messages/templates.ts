import { DateTime } from 'luxon';
import type { MonthKey, UserId, Week } from '../domain/types.js';

/**
 * Every message the bot sends to Slack users, in one place. Korean by default; another locale is one more
 * table with the same keys.
 */
export type Locale = 'ko' | 'en';

export interface Ranked {
  userId: UserId;
  likes: number;
}

export interface WeeklyPostInput {
  week: Week;
  allowedBlogHosts: string[];
  dashboardUrl?: string;
  footer?: string;
}

export interface MonthlyAwardInput {
  month: MonthKey;
  /** Challengers with their 👍 over the month, most first. */
  challengers: Ranked[];
  specialChallengers: Ranked[];
}

export interface Templates {
  weeklyPost(input: WeeklyPostInput): string;
  broadcast(input: { userId: UserId; week: Week; replyLink: string }): string;
  likeDm(input: { week: Week; weekLikes: number; replyLink: string }): string;
  monthlyAward(input: MonthlyAwardInput): string;
  alertDeadLettered(input: { eventId: string; deliveries: number; reason: string }): string;
  alertScheduledPostFailed(input: { job: string; reason: string }): string;
  alertSlackCallFailed(input: { method: string; reason: string; eventId?: string }): string;
}

const mention = (userId: UserId) => `<@${userId}>`;
const link = (url: string, label: string) => `<${url}|${label}>`;
const deadlineOf = (week: Week, locale: Locale) =>
  DateTime.fromISO(week.deadlineIso, { setZone: true }).setLocale(locale);
const monthNumber = (month: MonthKey) => Number(month.slice(5, 7));
const rankedLines = (ranked: Ranked[], medal: string) =>
  ranked.map((r) => `${medal} ${mention(r.userId)} 👍 ${r.likes}`).join('\n');

const ko: Templates = {
  weeklyPost: ({ week, allowedBlogHosts, dashboardUrl, footer }) =>
    [
      `*${week.label}*`,
      `이번 주에 배운 것을 블로그에 정리하고, 이 스레드에 글 링크를 답글로 남겨 주세요 ✍️`,
      `마감: ${deadlineOf(week, 'ko').toFormat('M월 d일(ccc) HH:mm')}까지`,
      `인정되는 블로그: ${allowedBlogHosts.join(', ')}`,
      dashboardUrl ? `대시보드: ${dashboardUrl}` : undefined,
      footer,
    ]
      .filter(Boolean)
      .join('\n'),
  broadcast: ({ userId, week, replyLink }) =>
    `${mention(userId)}님이 ${week.label} 챌린지에 참여했습니다 🔥🔥 ${link(replyLink, '글 보러 가기')}`,
  likeDm: ({ week, weekLikes, replyLink }) =>
    `${week.label}에 올린 ${link(replyLink, 'TIL')}의 👍가 이번 주 합계 ${weekLikes}개가 되었어요!`,
  monthlyAward: ({ month, challengers, specialChallengers }) =>
    challengers.length === 0
      ? `*${monthNumber(month)}월 TIL 챌린지 결과*\n이번 달에는 모든 주차에 참여한 챌린저가 없습니다. 다음 달에 도전해 주세요 💪`
      : [
          `*${monthNumber(month)}월 TIL 챌린지 결과* 🎉`,
          `🏆 스페셜 챌린저 (가장 많은 👍)`,
          rankedLines(specialChallengers, '🥇'),
          `🔥 챌린저 (모든 주차 참여, ${challengers.length}명)`,
          rankedLines(challengers, '•'),
          `모두 수고하셨습니다!`,
        ].join('\n'),
  alertDeadLettered: ({ eventId, deliveries, reason }) =>
    `⚠️ [TIL 봇] 이벤트 ${eventId}를 ${deliveries}번 시도했지만 처리하지 못해 dead-letter로 옮겼습니다. 원인: ${reason}`,
  alertScheduledPostFailed: ({ job, reason }) =>
    `⚠️ [TIL 봇] 예약 작업 ${job} 게시에 실패했습니다. 원인: ${reason} — 다음 실행 때 다시 시도합니다.`,
  alertSlackCallFailed: ({ method, reason, eventId }) =>
    `⚠️ [TIL 봇] Slack API ${method} 호출이 재시도 후에도 실패했습니다${eventId ? ` (이벤트 ${eventId})` : ''}. 원인: ${reason}`,
};

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const englishMonth = (month: MonthKey) => monthNames[monthNumber(month) - 1];
/** The English counterpart of `week.label` ("TIL 11월 4주차"). */
const englishWeekLabel = (week: Week) => `TIL ${englishMonth(week.month)} week ${week.ordinal}`;

const en: Templates = {
  weeklyPost: ({ week, allowedBlogHosts, dashboardUrl, footer }) =>
    [
      `*${englishWeekLabel(week)}*`,
      `Write up what you learned this week and reply in this thread with the link to your post ✍️`,
      `Deadline: ${deadlineOf(week, 'en').toFormat('ccc, LLL d HH:mm')}`,
      `Accepted blogs: ${allowedBlogHosts.join(', ')}`,
      dashboardUrl ? `Dashboard: ${dashboardUrl}` : undefined,
      footer,
    ]
      .filter(Boolean)
      .join('\n'),
  broadcast: ({ userId, week, replyLink }) =>
    `${mention(userId)} joined the ${englishWeekLabel(week)} challenge 🔥🔥 ${link(replyLink, 'Read the post')}`,
  likeDm: ({ week, weekLikes, replyLink }) =>
    `Your ${link(replyLink, 'TIL')} for ${englishWeekLabel(week)} now has ${weekLikes} 👍 this week!`,
  monthlyAward: ({ month, challengers, specialChallengers }) =>
    challengers.length === 0
      ? `*TIL challenge results for ${englishMonth(month)}*\nNobody took part in every week this month. Try again next month 💪`
      : [
          `*TIL challenge results for ${englishMonth(month)}* 🎉`,
          `🏆 Special challengers (most 👍)`,
          rankedLines(specialChallengers, '🥇'),
          `🔥 Challengers (every week, ${challengers.length})`,
          rankedLines(challengers, '•'),
          `Well done, everyone!`,
        ].join('\n'),
  alertDeadLettered: ({ eventId, deliveries, reason }) =>
    `⚠️ [TIL bot] Event ${eventId} failed ${deliveries} deliveries and was dead-lettered. Cause: ${reason}`,
  alertScheduledPostFailed: ({ job, reason }) =>
    `⚠️ [TIL bot] Scheduled job ${job} failed to post. Cause: ${reason} — it will be retried at the next tick.`,
  alertSlackCallFailed: ({ method, reason, eventId }) =>
    `⚠️ [TIL bot] Slack API ${method} failed after retries${eventId ? ` (event ${eventId})` : ''}. Cause: ${reason}`,
};

const tables: Record<Locale, Templates> = { ko, en };

export function templatesFor(locale: Locale): Templates {
  return tables[locale];
}
