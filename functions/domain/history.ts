/**
 * Records across months: each month condensed to a summary (what a closed month keeps for good), and every
 * member's totals and streaks over the posted weeks of all months. Pure: weeks and results in, figures out.
 */
import type { MemberMonth, MonthKey, MonthResult, UserId, Week, WeekKey } from './types.js';

/** One month as the history needs it; stored once the month is closed (SPEC 3.3). */
export interface MonthSummary {
  month: MonthKey;
  /** Posted weeks in order, with the deadline that decides when a streak may end with them. */
  weeks: { key: WeekKey; deadlineMs: number; participants: number; likes: number; skipped?: true }[];
  /** Each member's month; its passes (SPEC 8) count for streaks, not as weeks taken part. */
  members: MemberMonth[];
  challengers: UserId[];
  specialChallengers: UserId[];
}

export interface HistoryMonth {
  month: MonthKey;
  weeks: number;
  participants: number;
  submissions: number;
  likes: number;
  challengers: UserId[];
  specialChallengers: UserId[];
}

export interface MemberHistory {
  userId: UserId;
  weeksTakenPart: number;
  submissions: number;
  likes: number;
  currentStreak: number;
  longestStreak: number;
  challengerMonths: MonthKey[];
}

export function summarizeMonth(month: MonthKey, postedWeeks: Week[], result: MonthResult): MonthSummary {
  const perWeek = new Map(result.weeks.map((w) => [w.key, w]));
  return {
    month,
    weeks: postedWeeks.map((week) => ({
      key: week.key,
      deadlineMs: week.deadlineMs,
      participants: perWeek.get(week.key)?.participants ?? 0,
      likes: perWeek.get(week.key)?.likes ?? 0,
      ...(week.skipped && { skipped: true as const }),
    })),
    members: result.members.map(({ userId, weeks, passes, submissions, likes, challenger }) => ({
      userId,
      weeks,
      passes,
      submissions,
      likes,
      challenger,
    })),
    challengers: result.challengers,
    specialChallengers: result.specialChallengers,
  };
}

export function historyMonth(summary: MonthSummary): HistoryMonth {
  return {
    month: summary.month,
    weeks: summary.weeks.length,
    participants: summary.members.filter((m) => m.weeks.length > 0).length,
    submissions: summary.members.reduce((sum, m) => sum + m.submissions, 0),
    likes: summary.members.reduce((sum, m) => sum + m.likes, 0),
    challengers: summary.challengers,
    specialChallengers: summary.specialChallengers,
  };
}

/**
 * Streaks over `weeks` (every posted week of every month, in order; a week without a post is not in it and so
 * breaks nothing, nor does a skipped one). `takenPart` holds the weeks the member took part in or passed (SPEC 8). The current streak
 * ends with the latest week whose deadline has passed, or with the week still open once the member has taken
 * part in it; the longest is the longest run ever.
 */
export function streaks(
  weeks: { key: WeekKey; deadlineMs: number; skipped?: boolean }[],
  takenPart: ReadonlySet<WeekKey>,
  nowMs: number,
): { current: number; longest: number } {
  let longest = 0;
  let run = 0;
  let current = 0;
  for (const week of weeks) {
    // A skipped week (a holiday) neither counts nor breaks a streak.
    if (week.skipped) continue;
    const open = week.deadlineMs >= nowMs;
    if (takenPart.has(week.key)) {
      run += 1;
      longest = Math.max(longest, run);
      current = run;
    } else if (open) {
    } else {
      run = 0;
      current = 0;
    }
  }
  return { current, longest };
}

/** Every member's record across `summaries` (any order), sorted by weeks taken part, then likes, then id. */
export function memberHistories(summaries: MonthSummary[], nowMs: number): MemberHistory[] {
  const ordered = [...summaries].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  const weeks = ordered.flatMap((s) => s.weeks);
  const records = new Map<UserId, MemberHistory & { taken: Set<WeekKey>; passed: Set<WeekKey> }>();
  for (const summary of ordered) {
    for (const member of summary.members) {
      let record = records.get(member.userId);
      if (!record) {
        record = {
          userId: member.userId,
          weeksTakenPart: 0,
          submissions: 0,
          likes: 0,
          currentStreak: 0,
          longestStreak: 0,
          challengerMonths: [],
          taken: new Set(),
          passed: new Set(),
        };
        records.set(member.userId, record);
      }
      for (const key of member.weeks) record.taken.add(key);
      for (const key of member.passes) record.passed.add(key);
      record.submissions += member.submissions;
      record.likes += member.likes;
      if (member.challenger) record.challengerMonths.push(summary.month);
    }
  }
  return [...records.values()]
    .map(({ taken, passed, ...record }) => {
      const { current, longest } = streaks(weeks, new Set([...taken, ...passed]), nowMs);
      return {
        ...record,
        weeksTakenPart: taken.size,
        currentStreak: current,
        longestStreak: longest,
        // Newest first, like the months.
        challengerMonths: record.challengerMonths.reverse(),
      };
    })
    .sort(
      (a, b) =>
        b.weeksTakenPart - a.weeksTakenPart ||
        b.likes - a.likes ||
        (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
    );
}
