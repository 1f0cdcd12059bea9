/**
 * Weekly reminders (SPEC 8): when one is due, and who gets it. Pure: the instant, the posted weeks and the
 * members' weeks in, the decision out.
 */
import { DateTime } from 'luxon';
import type { UserId, Week, WeekKey } from './types.js';

/** REMINDER_AT: a local weekday (1 = Monday … 7 = Sunday) and time. */
export interface ReminderAt {
  weekday: number;
  hour: number;
  minute: number;
}

/** How many posted weeks before this one make a member active. */
export const ACTIVE_WEEKS = 4;

/** When `week`'s reminder becomes due: its REMINDER_AT weekday and time, local. */
export function reminderInstantOf(week: Week, at: ReminderAt, timeZone: string): number {
  return DateTime.fromISO(week.startsOn, { zone: timeZone })
    .plus({ days: at.weekday - 1 })
    .set({ hour: at.hour, minute: at.minute })
    .toMillis();
}

/** Due from REMINDER_AT until the week's deadline (caught up if the app was down, never after). */
export function reminderDue(
  week: Week,
  nowMs: number,
  at: ReminderAt | undefined,
  timeZone: string,
): boolean {
  return at !== undefined && nowMs >= reminderInstantOf(week, at, timeZone) && nowMs <= week.deadlineMs;
}

export interface MemberWeekRecord {
  userId: UserId;
  /** Posted weeks taken part in. */
  weeks: readonly WeekKey[];
  /** Posted weeks passed (passes in force). */
  passes: readonly WeekKey[];
}

/**
 * Who gets `week`'s reminder: every active member (took part or passed in one of the ACTIVE_WEEKS posted weeks
 * before it) with no counted submission and no pass in it, who has not turned reminders off. `postedWeeks` are
 * the posted weeks in order, `week` among them; `members` one record per member (their weeks across months).
 */
export function reminderRecipients(input: {
  week: WeekKey;
  postedWeeks: readonly WeekKey[];
  members: readonly MemberWeekRecord[];
  optedOut: ReadonlySet<UserId>;
}): UserId[] {
  const position = input.postedWeeks.indexOf(input.week);
  if (position < 0) return [];
  const recent = new Set(input.postedWeeks.slice(Math.max(0, position - ACTIVE_WEEKS), position));
  const records = new Map<UserId, Set<WeekKey>>();
  for (const member of input.members) {
    const weeks = records.get(member.userId) ?? new Set<WeekKey>();
    for (const key of [...member.weeks, ...member.passes]) weeks.add(key);
    records.set(member.userId, weeks);
  }
  return [...records]
    .filter(
      ([userId, weeks]) =>
        !input.optedOut.has(userId) && !weeks.has(input.week) && [...recent].some((key) => weeks.has(key)),
    )
    .map(([userId]) => userId)
    .sort();
}
