/**
 * Challenge calendar: weeks run Monday 00:00 to Sunday 23:59:59.999 in the configured IANA zone
 * and belong to the month of their Monday. Never uses the server's zone.
 */
import { DateTime } from 'luxon';
import type { ChallengeEvent, MonthKey, SlackTs, Week, WeekKey } from './types.js';

/** A Slack ts as the calendar reads it: whole seconds, then up to six digits of microseconds. */
export const SLACK_TS = /^(\d+)(?:\.(\d{1,6}))?$/;
const MONTH_KEY = /^(2\d{3})-(0[1-9]|1[0-2])$/;
const WEEK_KEY = /^(2\d{3}-(?:0[1-9]|1[0-2]))-W([1-5])$/;

function parseTs(ts: SlackTs): { seconds: number; micros: number } {
  const match = SLACK_TS.exec(ts);
  if (!match) throw new Error(`malformed Slack ts: ${JSON.stringify(ts)}`);
  return { seconds: Number(match[1]), micros: Number((match[2] ?? '').padEnd(6, '0')) };
}

/** Slack ts ("1793577600.000100") to epoch milliseconds (microseconds truncated). */
export function tsToMs(ts: SlackTs): number {
  const { seconds, micros } = parseTs(ts);
  return seconds * 1000 + Math.floor(micros / 1000);
}

/** Exact numeric order of two Slack ts (seconds, then microseconds): negative, 0 or positive. */
export function compareTs(a: SlackTs, b: SlackTs): number {
  const x = parseTs(a);
  const y = parseTs(b);
  return x.seconds - y.seconds || x.micros - y.micros;
}

function zoned(ms: number, zone: string): DateTime {
  const dt = DateTime.fromMillis(ms, { zone });
  if (!dt.isValid) throw new Error(`invalid time zone or instant: ${zone} ${ms}`);
  return dt;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function monthKeyOf(dt: DateTime): MonthKey {
  return `${dt.year}-${pad2(dt.month)}`;
}

/** The week starting at `monday` (local midnight). */
function weekStartingAt(monday: DateTime): Week {
  const ordinal = Math.ceil(monday.day / 7);
  const month = monthKeyOf(monday);
  // The next Monday's start minus 1 ms, so consecutive weeks tile exactly even across DST changes.
  const deadlineMs = monday.plus({ days: 7 }).startOf('day').toMillis() - 1;
  return {
    key: `${month}-W${ordinal}`,
    month,
    ordinal,
    label: `TIL ${monday.month}월 ${ordinal}주차`,
    startsOn: monday.toISODate()!,
    startMs: monday.toMillis(),
    deadlineMs,
    deadlineIso: DateTime.fromMillis(deadlineMs, { zone: monday.zone }).toISO()!,
  };
}

/** The week containing the instant `ms`, as seen in `zone`. */
export function weekOfInstant(ms: number, zone: string): Week {
  // Its Monday is at most 7 days (and a zone offset) before `ms`: in the UTC month of `ms`, or the one before
  // or after. Those months' weeks tile time, so one of them holds `ms` (outside years 2000–2999, luxon does).
  const utc = new Date(ms);
  const year = utc.getUTCFullYear();
  if (year > 2000 && year < 2999) {
    for (const offset of [0, -1, 1]) {
      const at = new Date(Date.UTC(year, utc.getUTCMonth() + offset, 1));
      const month = `${at.getUTCFullYear()}-${pad2(at.getUTCMonth() + 1)}`;
      const week = weeksOfMonth(month, zone).find((w) => w.startMs <= ms && ms <= w.deadlineMs);
      if (week) return week;
    }
  }
  // luxon's startOf('week') is the ISO week: Monday 00:00 local.
  return weekStartingAt(zoned(ms, zone).startOf('week'));
}

export function weekOfTs(ts: SlackTs, zone: string): Week {
  return weekOfInstant(tsToMs(ts), zone);
}

/** Strict "YYYY-MM" (year 2000–2999, month 01–12); undefined when malformed. */
export function parseMonthKey(s: string): MonthKey | undefined {
  return MONTH_KEY.test(s) ? s : undefined;
}

function requireMonthKey(month: MonthKey): { year: number; month: number } {
  const match = MONTH_KEY.exec(month);
  if (!match) throw new Error(`malformed month key: ${JSON.stringify(month)} (expected YYYY-MM)`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

export function previousMonth(month: MonthKey): MonthKey {
  const { year, month: m } = requireMonthKey(month);
  return m === 1 ? `${year - 1}-12` : `${year}-${pad2(m - 1)}`;
}

/**
 * Week arithmetic in a zone is luxon's slowest path and every event needs it: each (zone, month)'s weeks are
 * computed once and shared (frozen, so no caller can change another's). Bounded: months in use are few.
 */
const monthWeeks = new Map<string, readonly Week[]>();
const MONTH_WEEKS_KEPT = 1024;

/** Every week whose Monday falls in `month`, in order (4 or 5 weeks). */
export function weeksOfMonth(month: MonthKey, zone: string): Week[] {
  const key = `${zone}\u0000${month}`;
  let weeks = monthWeeks.get(key);
  if (!weeks) {
    weeks = Object.freeze(computeWeeksOfMonth(month, zone).map((w) => Object.freeze(w)));
    if (monthWeeks.size >= MONTH_WEEKS_KEPT) monthWeeks.clear();
    monthWeeks.set(key, weeks);
  }
  return [...weeks];
}

function computeWeeksOfMonth(month: MonthKey, zone: string): Week[] {
  const { year, month: m } = requireMonthKey(month);
  const first = DateTime.fromObject({ year, month: m, day: 1 }, { zone });
  if (!first.isValid) throw new Error(`invalid time zone: ${zone}`);
  const weeks: Week[] = [];
  // weekday: 1 = Monday … 7 = Sunday.
  let monday = first.plus({ days: (8 - first.weekday) % 7 });
  while (monday.month === m) {
    weeks.push(weekStartingAt(monday.startOf('day')));
    monday = monday.plus({ days: 7 });
  }
  return weeks;
}

/** The week with key "YYYY-MM-WN"; throws when malformed or when that month has no N-th Monday. */
export function weekByKey(key: WeekKey, zone: string): Week {
  const match = WEEK_KEY.exec(key);
  if (!match) throw new Error(`malformed week key: ${JSON.stringify(key)} (expected YYYY-MM-WN)`);
  const week = weeksOfMonth(match[1]!, zone)[Number(match[2]) - 1];
  if (!week) throw new Error(`week ${key} does not exist: ${match[1]} has fewer than ${match[2]} Mondays`);
  return week;
}

export function monthOfWeekKey(key: WeekKey): MonthKey {
  const match = WEEK_KEY.exec(key);
  if (!match) throw new Error(`malformed week key: ${JSON.stringify(key)} (expected YYYY-MM-WN)`);
  return match[1]!;
}

/** Month of the week containing the message `ts`: the queue session and store partition of its events. */
export function routingMonthOfTs(ts: SlackTs, zone: string): MonthKey {
  return weekOfTs(ts, zone).month;
}

/** The ts of the message an event is about (the reply, or the item reacted to): its state's identity. */
export function targetTs(event: ChallengeEvent): SlackTs {
  return event.kind === 'reaction' ? event.itemTs : event.ts;
}

/** Routing month of an event: that of its target message. */
export function routingMonth(event: ChallengeEvent, zone: string): MonthKey {
  return routingMonthOfTs(targetTs(event), zone);
}
