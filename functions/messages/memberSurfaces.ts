/**
 * What members read on the Slack surfaces of issue 12: `/til status`, `/til help`, the answer to an unknown
 * subcommand, the admin placeholder, and every string of the App Home (messages/appHome.ts builds the blocks).
 * Korean and English tables with the same keys; templates.ts joins them into Templates.
 */
import { DateTime } from 'luxon';
import type { ChallengerPath, MemberStatus } from '../app/memberStatus.js';
import type { WeekStanding } from '../domain/passes.js';
import type { UserId, WeekKey } from '../domain/types.js';
import { koreanParticle } from './korean.js';

/** A month's week as the App Home lists it; `skipped` once admins can skip weeks (SPEC 9). */
export type HomeWeekStanding = WeekStanding | 'skipped';

export interface HelpInput {
  passesOn: boolean;
  passesPerMonth: number;
  remindersScheduled: boolean;
}

export interface HomeTexts {
  title: string;
  /** "TIL 12월 1주차 · 마감 … (… 남음)", or that the week is not posted yet. */
  weekHeadline(status: MemberStatus): string;
  /** Submitted (link, 👍), passed, or not yet. */
  thisWeek(status: MemberStatus): string;
  streak(status: MemberStatus): string;
  monthTitle(status: MemberStatus): string;
  weekStanding(label: string, standing: HomeWeekStanding): string;
  noWeeksYet: string;
  likes(status: MemberStatus): string;
  challenger(status: MemberStatus): string;
  passes(status: MemberStatus): string;
  topTitle: string;
  topLine(rank: number, userId: UserId, likes: number): string;
  noLikesYet: string;
  /** Button labels (Slack allows 75 characters). */
  buttons: {
    openThread: string;
    pass: string;
    passUndo: string;
    remindOn: string;
    remindOff: string;
    openDashboard: string;
  };
  remindersState(on: boolean): string;
  /** When the view was made, so a member sees how fresh it is. */
  updatedAt(atMs: number, timeZone: string): string;
}

export interface SurfaceTemplates {
  commandHelp(input: HelpInput): string;
  unknownCommand(input: HelpInput & { typed: string }): string;
  statusBrief(status: MemberStatus): string;
  /** Every string of the App Home (a function, like every template). */
  homeTexts(): HomeTexts;
}

const mention = (userId: UserId) => `<@${userId}>`;
const link = (url: string, label: string) => `<${url}|${label}>`;
const koKeyLabel = (key: WeekKey) => `TIL ${Number(key.slice(5, 7))}월 ${key.slice(9)}주차`;
const enMonths =
  'January February March April May June July August September October November December'.split(' ');
const enKeyLabel = (key: WeekKey) => `TIL ${enMonths[Number(key.slice(5, 7)) - 1]} week ${key.slice(9)}`;
const deadline = (status: MemberStatus, locale: 'ko' | 'en', format: string) =>
  DateTime.fromISO(status.week.deadline, { setZone: true }).setLocale(locale).toFormat(format);

/** Days, hours and minutes: the two largest that are not zero. */
function timeLeftParts(ms: number): { d: number; h: number; m: number } {
  const minutes = Math.floor(ms / 60_000);
  return { d: Math.floor(minutes / 1440), h: Math.floor((minutes % 1440) / 60), m: minutes % 60 };
}
const koTimeLeft = (ms: number) => {
  const { d, h, m } = timeLeftParts(ms);
  if (ms <= 0) return '마감됨';
  return d > 0 ? `${d}일 ${h}시간 남음` : h > 0 ? `${h}시간 ${m}분 남음` : `${m}분 남음`;
};
const enTimeLeft = (ms: number) => {
  const { d, h, m } = timeLeftParts(ms);
  if (ms <= 0) return 'closed';
  return d > 0 ? `${d} d ${h} h left` : h > 0 ? `${h} h ${m} min left` : `${m} min left`;
};

const koStanding: Record<HomeWeekStanding, string> = {
  took_part: '✅ 참여',
  passed: '🟡 패스',
  missed: '❌ 놓침',
  open: '⏳ 진행 중',
  skipped: '⏸️ 쉬어 가는 주',
};
const enStanding: Record<HomeWeekStanding, string> = {
  took_part: '✅ took part',
  passed: '🟡 passed',
  missed: '❌ missed',
  open: '⏳ open',
  skipped: '⏸️ skipped',
};

const koChallenger = ({ status, toGo, missed }: ChallengerPath, month: number): string => {
  if (status === 'done') return `🏆 ${month}월 챌린저 조건을 모두 채웠어요!`;
  if (status === 'out')
    return `${month}월 챌린저는 어려워졌어요 (${missed.map(koKeyLabel).join(', ')} 놓침). 다음 달에 다시 도전해요 💪`;
  return `🏆 ${month}월 챌린저까지 ${toGo.length}주 남았어요: ${toGo.map(koKeyLabel).join(', ')}`;
};
const enChallenger = ({ status, toGo, missed }: ChallengerPath, month: string): string => {
  if (status === 'done') return `🏆 You have done everything to be ${month}'s challenger!`;
  if (status === 'out')
    return `${month}'s challenger title is out of reach (missed ${missed.map(enKeyLabel).join(', ')}). Next month is a new chance 💪`;
  return `🏆 ${toGo.length} more week${toGo.length === 1 ? '' : 's'} to be ${month}'s challenger: ${toGo.map(enKeyLabel).join(', ')}`;
};

const monthNumber = (status: MemberStatus) => Number(status.month.key.slice(5, 7));
const enMonth = (status: MemberStatus) => enMonths[monthNumber(status) - 1]!;

const koThisWeek = (s: MemberStatus) => {
  if (s.submission) {
    const post = link(s.submission.blogUrl, '내 글');
    const reply = s.submission.replyUrl ? ` · ${link(s.submission.replyUrl, '답글 보기')}` : '';
    return `✅ 이번 주 제출 완료: ${post} · 👍 ${s.submission.likes}${reply}`;
  }
  if (s.passedThisWeek) return '🟡 이번 주는 패스했어요 (연속 기록과 챌린저 자격이 유지돼요).';
  return s.week.open ? '⏳ 이번 주 글을 아직 제출하지 않았어요.' : '이번 주 마감이 지났어요.';
};
const enThisWeek = (s: MemberStatus) => {
  if (s.submission) {
    const post = link(s.submission.blogUrl, 'your post');
    const reply = s.submission.replyUrl ? ` · ${link(s.submission.replyUrl, 'the reply')}` : '';
    return `✅ Submitted this week: ${post} · 👍 ${s.submission.likes}${reply}`;
  }
  if (s.passedThisWeek) return '🟡 You passed this week (your streak and challenger chance are kept).';
  return s.week.open ? '⏳ No post from you this week yet.' : "This week's deadline has passed.";
};

const koHelp = ({ passesOn, passesPerMonth, remindersScheduled }: HelpInput) =>
  [
    '*TIL 챌린지 명령어*',
    '• `/til` 또는 `/til status` — 내 현황: 이번 주 제출, 연속 기록, 챌린저까지 남은 주',
    passesOn
      ? `• \`/til pass\` — 이번 주 패스 (마감 전, 두 주 연속은 안 돼요, 한 달에 ${passesPerMonth}번까지)`
      : undefined,
    passesOn ? '• `/til pass undo` — 이번 주 패스 취소 (마감 전)' : undefined,
    remindersScheduled
      ? '• `/til remind off` / `/til remind on` — 주간 리마인더 끄기 / 다시 받기'
      : undefined,
    '• `/til help` — 이 도움말',
    '• `/til admin …` — 운영자 명령 (관리자만)',
    '앱의 *홈* 탭에서도 현황을 보고 버튼으로 바꿀 수 있어요.',
  ]
    .filter(Boolean)
    .join('\n');
const enHelp = ({ passesOn, passesPerMonth, remindersScheduled }: HelpInput) =>
  [
    '*TIL challenge commands*',
    "• `/til` or `/til status` — your standing: this week's post, your streak, what is left to be challenger",
    passesOn
      ? `• \`/til pass\` — pass this week (before the deadline, never two weeks in a row, ${passesPerMonth} a month)`
      : undefined,
    passesOn ? "• `/til pass undo` — undo this week's pass (before the deadline)" : undefined,
    remindersScheduled
      ? '• `/til remind off` / `/til remind on` — stop / resume the weekly reminder'
      : undefined,
    '• `/til help` — this help',
    '• `/til admin …` — operator commands (admins only)',
    "The app's *Home* tab shows the same, with buttons.",
  ]
    .filter(Boolean)
    .join('\n');

const koHome: HomeTexts = {
  title: 'TIL 챌린지',
  weekHeadline: (s) =>
    s.week.posted
      ? `*${s.week.label}* · 마감 ${deadline(s, 'ko', 'M월 d일(ccc) HH:mm')} (${koTimeLeft(s.week.timeLeftMs)})`
      : `*${s.week.label}* · 이번 주 공지가 아직 올라오지 않았어요. 마감 ${deadline(s, 'ko', 'M월 d일(ccc) HH:mm')}`,
  thisWeek: koThisWeek,
  streak: (s) => `🔥 연속 참여 *${s.streak.current}주* · 최장 ${s.streak.longest}주`,
  monthTitle: (s) => `*${monthNumber(s)}월 주차별 참여*`,
  weekStanding: (label, standing) => `${koStanding[standing]} — ${label}`,
  noWeeksYet: '이번 달에는 아직 게시된 주차가 없어요.',
  likes: (s) => `👍 이번 달 받은 좋아요 *${s.month.likes}개*`,
  challenger: (s) => koChallenger(s.month.toBecomeChallenger, monthNumber(s)),
  passes: (s) => `🎟️ 이번 달 남은 패스 ${s.passes.left}/${s.passes.limit}개`,
  topTitle: '*이번 달 👍 TOP 5*',
  topLine: (rank, userId, likes) => `${rank}. ${mention(userId)} · 👍 ${likes}`,
  noLikesYet: '아직 이번 달 👍가 없어요.',
  buttons: {
    openThread: '이번 주 스레드 열기',
    pass: '이번 주 패스',
    passUndo: '패스 취소',
    remindOn: '🔔 리마인더 받기',
    remindOff: '🔕 리마인더 끄기',
    openDashboard: '대시보드 열기',
  },
  remindersState: (on) => (on ? '🔔 주간 리마인더를 받고 있어요.' : '🔕 주간 리마인더를 껐어요.'),
  updatedAt: (atMs, zone) =>
    `${DateTime.fromMillis(atMs, { zone }).setLocale('ko').toFormat('M월 d일 HH:mm')} 기준`,
};

const enHome: HomeTexts = {
  title: 'TIL challenge',
  weekHeadline: (s) => {
    const label = enKeyLabel(s.week.key);
    return s.week.posted
      ? `*${label}* · deadline ${deadline(s, 'en', 'ccc, LLL d HH:mm')} (${enTimeLeft(s.week.timeLeftMs)})`
      : `*${label}* · not posted yet. Deadline ${deadline(s, 'en', 'ccc, LLL d HH:mm')}`;
  },
  thisWeek: enThisWeek,
  streak: (s) =>
    `🔥 Streak *${s.streak.current} week${s.streak.current === 1 ? '' : 's'}* · longest ${s.streak.longest}`,
  monthTitle: (s) => `*${enMonth(s)}, week by week*`,
  weekStanding: (label, standing) => `${enStanding[standing]} — ${label}`,
  noWeeksYet: 'No week of this month has been posted yet.',
  likes: (s) => `👍 *${s.month.likes}* likes this month`,
  challenger: (s) => enChallenger(s.month.toBecomeChallenger, enMonth(s)),
  passes: (s) => `🎟️ Passes left this month: ${s.passes.left} of ${s.passes.limit}`,
  topTitle: "*This month's top 5 by 👍*",
  topLine: (rank, userId, likes) => `${rank}. ${mention(userId)} · 👍 ${likes}`,
  noLikesYet: 'No 👍 this month yet.',
  buttons: {
    openThread: "Open this week's thread",
    pass: 'Pass this week',
    passUndo: 'Undo the pass',
    remindOn: '🔔 Turn reminders on',
    remindOff: '🔕 Turn reminders off',
    openDashboard: 'Open the dashboard',
  },
  remindersState: (on) => (on ? '🔔 You get the weekly reminder.' : '🔕 Weekly reminders are off.'),
  updatedAt: (atMs, zone) =>
    `As of ${DateTime.fromMillis(atMs, { zone }).setLocale('en').toFormat('LLL d, HH:mm')}`,
};

const koStatus = (s: MemberStatus) =>
  [
    koHome.weekHeadline(s),
    koThisWeek(s),
    `${koHome.streak(s)} · ${monthNumber(s)}월 👍 ${s.month.likes}개`,
    koHome.challenger(s),
    s.passes.on ? koHome.passes(s) : undefined,
    '앱 홈에서 자세히 볼 수 있어요. 명령어: `/til help`',
  ]
    .filter(Boolean)
    .join('\n');
const enStatus = (s: MemberStatus) =>
  [
    enHome.weekHeadline(s),
    enThisWeek(s),
    `${enHome.streak(s)} · 👍 ${s.month.likes} in ${enMonth(s)}`,
    enHome.challenger(s),
    s.passes.on ? enHome.passes(s) : undefined,
    'More in the app Home. Commands: `/til help`',
  ]
    .filter(Boolean)
    .join('\n');

export const koSurfaces: SurfaceTemplates = {
  commandHelp: koHelp,
  unknownCommand: (input) =>
    `\`/til ${input.typed}\`${koreanParticle(input.typed, '은/는')} 알 수 없는 명령이에요.\n${koHelp(input)}`,
  statusBrief: koStatus,
  homeTexts: () => koHome,
};

export const enSurfaces: SurfaceTemplates = {
  commandHelp: enHelp,
  unknownCommand: (input) => `I do not know \`/til ${input.typed}\`.\n${enHelp(input)}`,
  statusBrief: enStatus,
  homeTexts: () => enHome,
};
