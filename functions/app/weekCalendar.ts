import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { weekByKey } from '../domain/calendar.js';
import type { MonthKey, Week, WeekKey } from '../domain/types.js';
import { effectiveWeek, type WeekRules } from '../domain/weekRules.js';
import { type WeekRulesDoc, weekRulesDocId } from './adminDocuments.js';
import { monthPartition } from './documents.js';

/** A stored week rules document as the domain reads it. */
export function weekRulesOf(doc: WeekRulesDoc | undefined): WeekRules {
  if (!doc) return { skipped: false };
  const extended = doc.extendedDeadline ? Date.parse(doc.extendedDeadline) : Number.NaN;
  return {
    skipped: doc.skipped === true,
    ...(Number.isFinite(extended) && { extendedDeadlineMs: extended }),
  };
}

/**
 * Weeks as the rules see them (skipped, extended deadline: domain/weekRules.ts), read from the admins' week rules
 * documents: one point read for a week, one query for a month.
 */
export function createWeekCalendar(deps: { store: Store; config: AppConfig }) {
  const { store, config } = deps;
  const { channelId, rules } = config;
  const zone = rules.timeZone;

  return {
    async rules(week: Week): Promise<WeekRules> {
      const stored = await store.read<WeekRulesDoc>(
        monthPartition(channelId, week.month),
        weekRulesDocId(week.key),
      );
      return weekRulesOf(stored?.doc);
    },

    async week(weekKey: WeekKey): Promise<Week> {
      const week = weekByKey(weekKey, zone);
      return effectiveWeek(week, await this.rules(week), zone);
    },

    /** Every week of `month` that has rules, by key. */
    async monthRules(month: MonthKey): Promise<Map<WeekKey, WeekRules>> {
      const docs = await store.query<WeekRulesDoc>({
        pk: monthPartition(channelId, month),
        type: 'weekRules',
      });
      return new Map(docs.map(({ doc }) => [doc.weekKey, weekRulesOf(doc)]));
    },
  };
}

export type WeekCalendar = ReturnType<typeof createWeekCalendar>;
