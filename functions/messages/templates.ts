import { DateTime } from 'luxon';
import type { MemberActionResult } from '../domain/memberAction.js';
import type { RepairCounts } from '../domain/resync.js';
import type { MonthKey, UserId, Week, WeekKey } from '../domain/types.js';
import { type AdminTemplates, enAdmin, koAdmin } from './adminTemplates.js';
import { koreanParticle } from './korean.js';
import { enSurfaces, koSurfaces, type SurfaceTemplates } from './memberSurfaces.js';

export { koreanParticle } from './korean.js';

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
  /** How many weeks of the month had a weekly post: what a challenger took part in every one of. */
  weeksPosted?: number;
}

export interface LikeDmInput {
  /** The week the post belongs to, and the author's counted 👍 over that week. */
  week: Week;
  weekLikes: number;
  replyLink: string;
  /** When the like was (epoch ms): says "this week" only during the post's week, and the year of another year's. */
  at?: number;
}

/**
 * The names scheduled jobs go by in logs and alerts; the Korean alerts translate them (an unknown one is shown as
 * it is).
 */
export const jobNames = {
  weeklyPost: (week: WeekKey) => `weekly post ${week}`,
  monthlyAward: (month: MonthKey) => `monthly award ${month}`,
};

/** Why a member's reply in a weekly thread did not count (SPEC 8 reply feedback). */
export interface ReplyFeedbackInput {
  reason: 'no_link' | 'late';
  week: Week;
  allowedBlogHosts: string[];
}

export interface ReminderInput {
  week: Week;
  /** The week's thread permalink, when known. */
  threadUrl?: string;
  /** Passes are on: the DM says how to pass. */
  passesOn: boolean;
}

/** What members see about their own participation: reply feedback, reminders, pass and reminder answers. */
export interface MemberTemplates {
  replyFeedback(input: ReplyFeedbackInput): string;
  reminder(input: ReminderInput): string;
  memberActionAnswer(result: MemberActionResult): string;
}

export interface Templates extends MemberTemplates, AdminTemplates, SurfaceTemplates {
  weeklyPost(input: WeeklyPostInput): string;
  broadcast(input: { userId: UserId; week: Week; replyLink: string }): string;
  likeDm(input: LikeDmInput): string;
  monthlyAward(input: MonthlyAwardInput): string;
  alertDeadLettered(input: { eventId: string; deliveries: number; reason: string }): string;
  alertScheduledPostFailed(input: { job: string; reason: string }): string;
  alertSlackCallFailed(input: { method: string; reason: string; eventId?: string }): string;
  /** One report of a re-sync that found events Slack never delivered (SPEC 9). */
  alertResyncRepaired(input: { weeks: ResyncWeekReport[] }): string;
  /** `/til admin resync`'s answer: what each open week's re-sync did. */
  resyncSummary(input: { weeks: ResyncWeekReport[] }): string;
}

/** What the re-sync of one week did: its repairs, or why it did not read the thread. */
export interface ResyncWeekReport {
  week: Week;
  outcome: 'read' | 'failed' | 'not-posted' | 'busy' | 'no-slack';
  repairs?: RepairCounts;
}

const mention = (userId: UserId) => `<@${userId}>`;
const link = (url: string, label: string) => `<${url}|${label}>`;
const deadlineOf = (week: Week, locale: Locale) =>
  DateTime.fromISO(week.deadlineIso, { setZone: true }).setLocale(locale);
const monthNumber = (month: MonthKey) => Number(month.slice(5, 7));
const rankedLines = (ranked: Ranked[], medal: string) =>
  ranked.map((r) => `${medal} ${mention(r.userId)} 👍 ${r.likes}`).join('\n');

/** Where a like DM's week stands from when the like was: its own week, another, or unknown. */
function weekScope(week: Week, at: number | undefined): 'current' | 'other' | 'unknown' {
  if (at === undefined) return 'unknown';
  return at >= week.startMs && at <= week.deadlineMs ? 'current' : 'other';
}

/** The week's year when the like came in another year (in the week's own zone), else undefined. */
function yearUnlessCurrent(week: Week, at: number | undefined): number | undefined {
  if (at === undefined) return undefined;
  const weekYear = Number(week.month.slice(0, 4));
  const likeYear = DateTime.fromMillis(at, { zone: deadlineOf(week, 'ko').zone }).year;
  return weekYear === likeYear ? undefined : weekYear;
}

const WEEKLY_POST_JOB = /^weekly post (\d{4})-(\d{2})-W(\d)$/;
const MONTHLY_AWARD_JOB = /^monthly award (\d{4})-(\d{2})$/;

/** `weekly post 2026-11-W4` → `2026년 11월 4주차 주간 공지`; a job it does not know keeps its name. */
function koreanJobName(job: string): string {
  const weekly = WEEKLY_POST_JOB.exec(job);
  if (weekly) return `${weekly[1]}년 ${Number(weekly[2])}월 ${weekly[3]}주차 주간 공지`;
  const award = MONTHLY_AWARD_JOB.exec(job);
  if (award) return `${award[1]}년 ${Number(award[2])}월 결과 발표`;
  return job;
}

const repairsKo = (r: RepairCounts) =>
  [
    r.replies && `답글 ${r.replies}개`,
    r.edits && `수정 ${r.edits}건`,
    r.deletes && `삭제 ${r.deletes}건`,
    r.likesAdded && `👍 추가 ${r.likesAdded}개`,
    r.likesRemoved && `👍 취소 ${r.likesRemoved}개`,
  ]
    .filter(Boolean)
    .join(', ') || '바로잡을 것 없음';
const repairsEn = (r: RepairCounts) =>
  [
    r.replies && `${r.replies} ${r.replies === 1 ? 'reply' : 'replies'}`,
    r.edits && `${r.edits} ${r.edits === 1 ? 'edit' : 'edits'}`,
    r.deletes && `${r.deletes} ${r.deletes === 1 ? 'delete' : 'deletes'}`,
    r.likesAdded && `${r.likesAdded} 👍 added`,
    r.likesRemoved && `${r.likesRemoved} 👍 removed`,
  ]
    .filter(Boolean)
    .join(', ') || 'nothing to repair';
const outcomeKo: Record<ResyncWeekReport['outcome'], string> = {
  read: '',
  failed: 'Slack에서 읽지 못했습니다 (나중에 다시 시도합니다)',
  'not-posted': '게시되지 않은 주차입니다',
  busy: '다른 인스턴스가 읽는 중입니다',
  'no-slack': 'dry-run: 읽을 Slack이 없습니다',
};
const outcomeEn: Record<ResyncWeekReport['outcome'], string> = {
  read: '',
  failed: 'could not be read from Slack (will be retried)',
  'not-posted': 'not posted',
  busy: 'being read by another instance',
  'no-slack': 'dry run: no Slack to read',
};
const weekLines = (
  weeks: ResyncWeekReport[],
  label: (week: Week) => string,
  repairs: (r: RepairCounts) => string,
  outcomes: Record<ResyncWeekReport['outcome'], string>,
) =>
  weeks
    .map(
      ({ week, outcome, repairs: r }) =>
        `• ${label(week)}: ${outcome === 'read' && r ? repairs(r) : outcomes[outcome]}`,
    )
    .join('\n');
/** "2026-11-W4" → "TIL 11월 4주차" (the label `Week` carries, from the key alone). */
const koWeekLabel = (key: WeekKey) => `TIL ${Number(key.slice(5, 7))}월 ${key.slice(9)}주차`;
const koDeadline = (week: Week) => deadlineOf(week, 'ko').toFormat('M월 d일(ccc) HH:mm');

const koMemberAnswer = (r: MemberActionResult): string => {
  if (r.action === 'remind_on') return '🔔 주간 리마인더를 다시 받습니다.';
  if (r.action === 'remind_off')
    return '🔕 주간 리마인더를 껐습니다. 다시 받으려면 `/til remind on`을 입력하세요.';
  const balance = (limit: number, left: number) => `이번 달 남은 패스: ${left}/${limit}개`;
  if (r.ok && r.action === 'pass')
    return r.alreadyPassed
      ? `이미 ${r.week.label}에 패스를 쓰셨어요. ${balance(r.limit, r.left)}.`
      : `✅ ${r.week.label} 패스를 기록했어요. 이번 주는 연속 기록과 챌린저 자격에서 참여한 것으로 칩니다. ${balance(r.limit, r.left)}. 마감 전에 \`/til pass undo\`로 취소할 수 있어요.`;
  if (r.ok) return `↩️ ${r.week.label} 패스를 취소했어요. ${balance(r.limit, r.left)}.`;
  switch (r.reason) {
    case 'passes_off':
      return '이 워크스페이스에서는 패스 기능을 쓰지 않아요.';
    case 'week_closed':
      return `${r.week.label} 마감이 지나 ${r.action === 'pass' ? '패스할' : '패스를 취소할'} 수 없어요.`;
    case 'week_not_posted':
      return `${r.week.label} 공지가 아직 올라오지 않아 패스할 수 없어요.`;
    case 'week_skipped':
      return `${r.week.label}는 쉬어 가는 주라 패스할 필요가 없어요.`;
    case 'already_submitted':
      return `${r.week.label}에는 이미 글을 제출하셨어요. 패스할 필요가 없어요 🙌`;
    case 'consecutive':
      return `두 주 연속으로 패스할 수는 없어요: ${koWeekLabel(r.adjacentWeekKey)}에 이미 패스를 쓰셨어요.`;
    case 'monthly_limit':
      return `${monthNumber(r.month)}월 패스 ${r.limit}개를 모두 쓰셨어요 (${r.used.map(koWeekLabel).join(', ')}).`;
    case 'not_passed':
      return `${r.week.label}에는 패스한 기록이 없어요.`;
  }
};

const koMembers: MemberTemplates = {
  replyFeedback: ({ reason, week, allowedBlogHosts }) =>
    reason === 'late'
      ? `이 답글은 ${week.label} 마감(${koDeadline(week)})이 지난 뒤에 올라와 제출로 인정되지 않아요. 마감 후의 답글은 어느 주차에도 인정되지 않습니다.`
      : `이 답글에는 인정되는 블로그 글 링크가 없어 ${week.label} 제출로 인정되지 않았어요. 인정되는 블로그: ${allowedBlogHosts.join(', ')} — 마감 전에 답글을 수정해 글 링크를 넣으면 제출로 인정돼요.`,
  reminder: ({ week, threadUrl, passesOn }) =>
    [
      `⏰ *${week.label}* 마감이 다가와요! 아직 이번 주 글이 없어요.`,
      `마감: ${koDeadline(week)}까지`,
      threadUrl ? `이번 주 스레드: ${link(threadUrl, '스레드 열기')}` : undefined,
      passesOn ? '이번 주를 쉬어야 한다면 `/til pass`로 패스할 수 있어요 (연속 기록이 유지돼요).' : undefined,
      '리마인더를 그만 받으려면 `/til remind off`를 입력하세요.',
    ]
      .filter(Boolean)
      .join('\n'),
  memberActionAnswer: koMemberAnswer,
};

const ko: Templates = {
  ...koMembers,
  ...koAdmin,
  ...koSurfaces,
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
  likeDm: ({ week, weekLikes, replyLink, at }) => {
    const year = yearUnlessCurrent(week, at);
    const total = { current: '이번 주', other: '그 주', unknown: '주차' }[weekScope(week, at)];
    return `${year ? `${year}년 ` : ''}${week.label}에 올린 ${link(replyLink, '글')}의 👍가 ${total} 합계 ${weekLikes}개가 되었어요!`;
  },
  monthlyAward: ({ month, challengers, specialChallengers, weeksPosted }) =>
    challengers.length === 0
      ? `*${monthNumber(month)}월 TIL 챌린지 결과*\n${
          weeksPosted === undefined
            ? `${monthNumber(month)}월의 모든 주차에`
            : `${monthNumber(month)}월에 게시된 ${weeksPosted}주 모두에`
        } 참여한 챌린저는 없었습니다. 이번 달에 도전해 주세요 💪`
      : [
          `*${monthNumber(month)}월 TIL 챌린지 결과* 🎉`,
          `🏆 스페셜 챌린저 (가장 많은 👍)`,
          rankedLines(specialChallengers, '🥇'),
          `🔥 챌린저 (${weeksPosted === undefined ? '모든 주차' : `게시된 ${weeksPosted}주 모두`} 참여, ${challengers.length}명)`,
          rankedLines(challengers, '•'),
          `모두 수고하셨습니다!`,
        ].join('\n'),
  alertDeadLettered: ({ eventId, deliveries, reason }) =>
    `⚠️ [TIL 봇] 이벤트 ${eventId}${koreanParticle(eventId, '을/를')} ${deliveries}번 시도했지만 처리하지 못해 dead-letter로 옮겼습니다. 원인: ${reason}`,
  alertScheduledPostFailed: ({ job, reason }) =>
    `⚠️ [TIL 봇] 예약 작업 「${koreanJobName(job)}」 게시에 실패했습니다. 원인: ${reason} — 다음 실행 때 다시 시도합니다.`,
  alertSlackCallFailed: ({ method, reason, eventId }) =>
    `⚠️ [TIL 봇] Slack API ${method} 호출이 재시도 후에도 실패했습니다${eventId ? ` (이벤트 ${eventId})` : ''}. 원인: ${reason}`,
  alertResyncRepaired: ({ weeks }) =>
    `🔄 [TIL 봇] Slack 스레드를 다시 읽어, 전달되지 않은 이벤트를 바로잡았습니다:\n${weekLines(weeks, (w) => w.label, repairsKo, outcomeKo)}`,
  resyncSummary: ({ weeks }) =>
    weeks.length === 0
      ? '다시 읽을 주차가 없습니다 (열린 주차가 없습니다).'
      : `🔄 Slack에서 다시 읽었습니다:\n${weekLines(weeks, (w) => w.label, repairsKo, outcomeKo)}`,
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
/** The English counterpart of `week.label` ("TIL 11월 4주차"), with the year when it is not the current one. */
const englishWeekLabel = (week: Week, year?: number) =>
  `TIL ${englishMonth(week.month)}${year ? ` ${year}` : ''} week ${week.ordinal}`;
/** "all 4 posted weeks", "the one posted week". */
const postedWeeksEn = (n: number) => (n === 1 ? 'the one posted week' : `all ${n} posted weeks`);

const enKeyLabel = (key: WeekKey) => `TIL ${monthNames[Number(key.slice(5, 7)) - 1]} week ${key.slice(9)}`;
const enDeadline = (week: Week) => deadlineOf(week, 'en').toFormat('ccc, LLL d HH:mm');

const enMemberAnswer = (r: MemberActionResult): string => {
  if (r.action === 'remind_on') return '🔔 Weekly reminders are back on.';
  if (r.action === 'remind_off')
    return '🔕 Weekly reminders are off. Type `/til remind on` to get them again.';
  const balance = (limit: number, left: number) => `Passes left this month: ${left} of ${limit}`;
  if (r.ok && r.action === 'pass')
    return r.alreadyPassed
      ? `You already passed ${englishWeekLabel(r.week)}. ${balance(r.limit, r.left)}.`
      : `✅ Pass recorded for ${englishWeekLabel(r.week)}: it counts as taking part for your streak and the challenger title. ${balance(r.limit, r.left)}. Type \`/til pass undo\` before the deadline to undo it.`;
  if (r.ok) return `↩️ Your pass for ${englishWeekLabel(r.week)} is undone. ${balance(r.limit, r.left)}.`;
  switch (r.reason) {
    case 'passes_off':
      return 'Passes are not used in this workspace.';
    case 'week_closed':
      return `The deadline of ${englishWeekLabel(r.week)} has passed: ${r.action === 'pass' ? 'no pass' : 'the pass stays'}.`;
    case 'week_not_posted':
      return `${englishWeekLabel(r.week)} has not been posted yet, so there is nothing to pass.`;
    case 'week_skipped':
      return `${englishWeekLabel(r.week)} is a week off: no pass needed.`;
    case 'already_submitted':
      return `You already submitted for ${englishWeekLabel(r.week)}: no pass needed 🙌`;
    case 'consecutive':
      return `No two passes in a row: you passed ${enKeyLabel(r.adjacentWeekKey)}.`;
    case 'monthly_limit':
      return `You have used all ${r.limit} passes of ${englishMonth(r.month)} (${r.used.map(enKeyLabel).join(', ')}).`;
    case 'not_passed':
      return `You have no pass for ${englishWeekLabel(r.week)}.`;
  }
};

const enMembers: MemberTemplates = {
  replyFeedback: ({ reason, week, allowedBlogHosts }) =>
    reason === 'late'
      ? `This reply came after the deadline of ${englishWeekLabel(week)} (${enDeadline(week)}), so it does not count: replies after a deadline count for no week.`
      : `This reply has no link to a post on an accepted blog, so it does not count for ${englishWeekLabel(week)}. Accepted blogs: ${allowedBlogHosts.join(', ')} — edit the reply to add your post's link before the deadline and it counts.`,
  reminder: ({ week, threadUrl, passesOn }) =>
    [
      `⏰ *${englishWeekLabel(week)}* ends soon, and you have no post this week yet.`,
      `Deadline: ${enDeadline(week)}`,
      threadUrl ? `This week's thread: ${link(threadUrl, 'open the thread')}` : undefined,
      passesOn ? 'Need a week off? `/til pass` keeps your streak.' : undefined,
      'To stop these reminders, type `/til remind off`.',
    ]
      .filter(Boolean)
      .join('\n'),
  memberActionAnswer: enMemberAnswer,
};

const en: Templates = {
  ...enMembers,
  ...enAdmin,
  ...enSurfaces,
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
  likeDm: ({ week, weekLikes, replyLink, at }) => {
    const total = { current: "this week's", other: "that week's", unknown: "the week's" }[
      weekScope(week, at)
    ];
    const label = englishWeekLabel(week, yearUnlessCurrent(week, at));
    return `Your ${link(replyLink, 'post')} for ${label} now has ${weekLikes} 👍, ${total} total!`;
  },
  monthlyAward: ({ month, challengers, specialChallengers, weeksPosted }) =>
    challengers.length === 0
      ? `*TIL challenge results for ${englishMonth(month)}*\nNobody took part in ${
          weeksPosted === undefined ? 'every week' : postedWeeksEn(weeksPosted)
        } of ${englishMonth(month)}. This month is a new chance 💪`
      : [
          `*TIL challenge results for ${englishMonth(month)}* 🎉`,
          `🏆 Special challengers (most 👍)`,
          rankedLines(specialChallengers, '🥇'),
          `🔥 Challengers (${weeksPosted === undefined ? 'every week' : postedWeeksEn(weeksPosted)}, ${challengers.length})`,
          rankedLines(challengers, '•'),
          `Well done, everyone!`,
        ].join('\n'),
  alertDeadLettered: ({ eventId, deliveries, reason }) =>
    `⚠️ [TIL bot] Event ${eventId} failed ${deliveries} deliveries and was dead-lettered. Cause: ${reason}`,
  alertScheduledPostFailed: ({ job, reason }) =>
    `⚠️ [TIL bot] Scheduled job ${job} failed to post. Cause: ${reason} — it will be retried at the next tick.`,
  alertSlackCallFailed: ({ method, reason, eventId }) =>
    `⚠️ [TIL bot] Slack API ${method} failed after retries${eventId ? ` (event ${eventId})` : ''}. Cause: ${reason}`,
  alertResyncRepaired: ({ weeks }) =>
    `🔄 [TIL bot] Re-reading the Slack threads repaired events Slack never delivered:\n${weekLines(weeks, (w) => englishWeekLabel(w), repairsEn, outcomeEn)}`,
  resyncSummary: ({ weeks }) =>
    weeks.length === 0
      ? 'No open week to re-sync.'
      : `🔄 Re-read from Slack:\n${weekLines(weeks, (w) => englishWeekLabel(w), repairsEn, outcomeEn)}`,
};

const tables: Record<Locale, Templates> = { ko, en };

export function templatesFor(locale: Locale): Templates {
  return tables[locale];
}
