/**
 * What an admin may decide about one week (SPEC 9): skip it (a holiday: not posted if not yet, and not needed for
 * challengers or streaks) and give it a later deadline (replies before it are on time). Pure data and rules.
 */
import { DateTime } from 'luxon';
import type { Week } from './types.js';

export interface WeekRules {
  skipped: boolean;
  /** A later deadline than the week's own (epoch ms, inclusive); absent: the week's own deadline. */
  extendedDeadlineMs?: number;
}

export const defaultWeekRules: WeekRules = { skipped: false };

/** How far past its own deadline a week may be extended: never into the following week's deadline and beyond. */
export const MAX_EXTENSION_MS = 7 * 24 * 60 * 60_000;

/**
 * The week as the rules see it: skipped or not, and with an extension its deadline is the extended one, so
 * `countsForWeek` and `isLate` judge replies against it. Every other field stays the calendar's.
 */
export function effectiveWeek(week: Week, rules: WeekRules | undefined, timeZone: string): Week {
  const { skipped: _, ...calendar } = week;
  const extended = rules?.extendedDeadlineMs;
  const deadline =
    extended !== undefined && extended > calendar.deadlineMs
      ? { deadlineMs: extended, deadlineIso: DateTime.fromMillis(extended, { zone: timeZone }).toISO()! }
      : {};
  return { ...calendar, ...deadline, ...(rules?.skipped && { skipped: true as const }) };
}

/** The weeks a member must take part in to be a challenger (and that streaks run over): those not skipped. */
export function requiredWeeks<T extends { skipped?: boolean }>(weeks: readonly T[]): T[] {
  return weeks.filter((week) => !week.skipped);
}

export type WeekRuleChange = { kind: 'skip' } | { kind: 'unskip' } | { kind: 'extend'; deadlineMs: number };

/** The rules after an admin's change; the same object when nothing changes, so a redelivery writes nothing. */
export function changeWeekRules(rules: WeekRules, change: WeekRuleChange): WeekRules {
  switch (change.kind) {
    case 'skip':
      return rules.skipped ? rules : { ...rules, skipped: true };
    case 'unskip':
      return rules.skipped ? { ...rules, skipped: false } : rules;
    case 'extend':
      return rules.extendedDeadlineMs === change.deadlineMs
        ? rules
        : { ...rules, extendedDeadlineMs: change.deadlineMs };
  }
}
