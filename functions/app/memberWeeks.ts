import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { weekByKey } from '../domain/calendar.js';
import { countsForWeek } from '../domain/submission.js';
import type { MonthKey, UserId, Week, WeekKey } from '../domain/types.js';
import { effectiveWeek } from '../domain/weekRules.js';
import type { WeekRulesDoc } from './adminDocuments.js';
import { monthPartition, type PassDoc, type SubmissionDoc, type WeekDoc } from './documents.js';
import { weekRulesOf } from './weekCalendar.js';

/** One member's standing over some months: what the pass rules and the member status read. */
export interface MemberWeeks {
  /** The posted weeks of those months, in order, as the admins' rules make them (skipped, extended). */
  postedWeeks: Week[];
  /** Weeks with a pass recorded (not undone), given back or not. */
  passes: Set<WeekKey>;
  /** Posted weeks the member took part in (a counted submission), by the month rules. */
  takenPart: Set<WeekKey>;
}

/**
 * Reads `userId`'s weeks in `months`: four single-partition queries each, none growing with the month's size, and
 * the same rules as the month read (app/monthStats.ts), so what it finds is what the stats say.
 */
export async function loadMemberWeeks(
  store: Store,
  config: AppConfig,
  userId: UserId,
  months: MonthKey[],
): Promise<MemberWeeks> {
  const perMonth = await Promise.all(
    months.map(async (month) => {
      const pk = monthPartition(config.channelId, month);
      const [weeks, passes, submissions, rules] = await Promise.all([
        store.query<WeekDoc>({ pk, type: 'week', where: { status: 'posted' } }),
        store.query<PassDoc>({ pk, type: 'pass', where: { userId, status: 'passed' } }),
        store.query<SubmissionDoc>({ pk, type: 'submission', where: { author: userId } }),
        store.query<WeekRulesDoc>({ pk, type: 'weekRules' }),
      ]);
      const ruleOf = new Map(rules.map(({ doc }) => [doc.weekKey, weekRulesOf(doc)]));
      const posted = weeks.flatMap(({ doc }) => {
        try {
          const week = weekByKey(String(doc.weekKey), config.rules.timeZone);
          return [effectiveWeek(week, ruleOf.get(week.key), config.rules.timeZone)];
        } catch {
          // A stray document of another shape is no posted week (the month read logs it).
          return [];
        }
      });
      return { posted, passes, submissions };
    }),
  );
  const postedWeeks = perMonth.flatMap((m) => m.posted).sort((a, b) => a.startMs - b.startMs);
  const byKey = new Map(postedWeeks.map((week) => [week.key, week]));
  const takenPart = new Set<WeekKey>();
  for (const { doc } of perMonth.flatMap((m) => m.submissions)) {
    const week = doc.state.weekKey === undefined ? undefined : byKey.get(doc.state.weekKey);
    if (week && countsForWeek(doc.state, week)) takenPart.add(week.key);
  }
  const passes = new Set(
    perMonth.flatMap((m) => m.passes).flatMap(({ doc }) => (byKey.has(doc.weekKey) ? [doc.weekKey] : [])),
  );
  return { postedWeeks, passes, takenPart };
}

/** The member's part of the pass rules' context (domain/passes.ts). */
export const passStanding = (standing: MemberWeeks) => ({
  postedWeeks: standing.postedWeeks.map((w) => w.key),
  skippedWeeks: new Set(standing.postedWeeks.filter((w) => w.skipped).map((w) => w.key)),
  passes: standing.passes,
  takenPart: standing.takenPart,
});
