import type { Strings } from './i18n';
import type { StatsWeek } from './types';

export function monthParts(month: string): [number, number] {
  const [year, mon] = month.split('-').map(Number);
  return [year ?? 0, mon ?? 0];
}

export const monthName = (t: Strings, month: string) => t.monthName(...monthParts(month));
export const monthShort = (t: Strings, month: string) => t.monthShort(...monthParts(month));

export function formatNumber(t: Strings, n: number): string {
  return new Intl.NumberFormat(t.locale).format(n);
}

/** "12월 6일 (일) 23:59" in the challenge's time zone. */
export function formatDeadline(t: Strings, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(t.locale, {
    month: 'long',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(new Date(iso));
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function dateInZone(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone,
  }).format(new Date(ms));
}

/** The week running now: it started on or before today (in the challenge's zone) and its deadline is ahead. */
export function currentWeek(weeks: StatsWeek[], timeZone: string, now: number): StatsWeek | undefined {
  const today = dateInZone(now, timeZone);
  return weeks.find((w) => !w.skipped && w.startsOn <= today && now <= Date.parse(w.deadline));
}

export function timeLeft(t: Strings, deadlineIso: string, now: number): string {
  const ms = Date.parse(deadlineIso) - now;
  if (ms <= 0) return t.closed;
  const minutesTotal = Math.floor(ms / 60_000);
  const days = Math.floor(minutesTotal / (60 * 24));
  const hours = Math.floor((minutesTotal % (60 * 24)) / 60);
  return t.timeLeft(days, hours, minutesTotal % 60);
}

export const weekTitle = (t: Strings, week: StatsWeek) => t.weekLabel(week.ordinal, week.label);
