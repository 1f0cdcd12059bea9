import { DateTime } from 'luxon';
import { previousMonth, weekOfInstant } from './calendar.js';
import { type ReminderAt, reminderDue } from './reminders.js';
import type { MonthKey, Week } from './types.js';

export interface PostTime {
  hour: number;
  minute: number;
}

export interface DueJobs {
  /** The week the instant falls in. */
  week: Week;
  /** The week's post is due: its Monday POST_TIME has passed (and the week has not ended: it is this week). */
  weeklyPostDue: boolean;
  /** In a month's first week after the post time: last month's award is due. */
  awardMonth?: MonthKey;
  /** From REMINDER_AT until the week's deadline: the week's reminders are due (SPEC 8). */
  remindersDue: boolean;
}

/** When the weekly post of `week` becomes due: its Monday at POST_TIME local. */
export function postInstantOf(week: Week, postTime: PostTime, timeZone: string): number {
  return DateTime.fromISO(week.startsOn, { zone: timeZone })
    .set({ hour: postTime.hour, minute: postTime.minute })
    .toMillis();
}

/**
 * What the scheduler should do at `nowMs`. Missed posts are caught up at any later tick of the same week and
 * never after it, because only the week containing `nowMs` is ever considered.
 */
export function dueJobs(
  nowMs: number,
  postTime: PostTime,
  timeZone: string,
  reminderAt?: ReminderAt,
): DueJobs {
  const week = weekOfInstant(nowMs, timeZone);
  const weeklyPostDue = nowMs >= postInstantOf(week, postTime, timeZone);
  return {
    week,
    weeklyPostDue,
    awardMonth: weeklyPostDue && week.ordinal === 1 ? previousMonth(week.month) : undefined,
    remindersDue: reminderDue(week, nowMs, reminderAt, timeZone),
  };
}
