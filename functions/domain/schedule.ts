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

/** A posted week's thread is re-read from Slack until this long after its deadline (SPEC 9). */
export const RESYNC_AFTER_DEADLINE_MS = 24 * 60 * 60_000;

/** The weeks the re-sync reads at `nowMs`: this week, and the last one until a day after its deadline. */
export function weeksOpenForResync(nowMs: number, timeZone: string): Week[] {
  const current = weekOfInstant(nowMs, timeZone);
  const previous = weekOfInstant(current.startMs - 1, timeZone);
  return [previous, current].filter((week) => nowMs <= week.deadlineMs + RESYNC_AFTER_DEADLINE_MS);
}

/** When a week was last re-synced and, after a failure, when it may be tried again (epoch ms). */
export interface ResyncTiming {
  lastCompletedMs?: number;
  nextAttemptMs?: number;
}

/** Due once `intervalMs` has passed since the last complete re-sync, and not before a failure's backoff ends. */
export function resyncDue(timing: ResyncTiming, nowMs: number, intervalMs: number): boolean {
  if (timing.nextAttemptMs !== undefined && nowMs < timing.nextAttemptMs) return false;
  return timing.lastCompletedMs === undefined || Math.abs(nowMs - timing.lastCompletedMs) >= intervalMs;
}

/** After `failures` failed re-syncs in a row: a minute, doubling, at most the interval, and never before Retry-After. */
export function resyncBackoffMs(failures: number, intervalMs: number, retryAfterMs = 0): number {
  const doubling = Math.min(intervalMs, 60_000 * 2 ** Math.max(0, failures - 1));
  return Math.max(doubling, retryAfterMs);
}
