import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { weekByKey } from '../domain/calendar.js';
import { countsForWeek } from '../domain/submission.js';
import type { MonthKey, UserId, Week, WeekKey } from '../domain/types.js';
import { monthPartition, type PassDoc, type SubmissionDoc, type WeekDoc } from './documents.js';

/** One member's standing over some months: what the pass rules and the member status read. */
export interface MemberWeeks {
  /** The posted weeks of those months, in order. */
  postedWeeks: Week[];
  /** Weeks with a pass recorded (not undone), given back or not. */
  passes: Set<WeekKey>;
  /** Posted weeks the member took part in (a counted submission), by the month rules. */
  takenPart: Set<WeekKey>;
}

/** Reads `userId`'s weeks in `months` (three single-partition queries each; none grows with the month's size). */
export async function loadMemberWeeks(
  store: Store,
  config: AppConfig,
  userId: UserId,
  months: MonthKey[],
): Promise<MemberWeeks> {
  const perMonth = await Promise.all(
    months.map(async (month) => {
      const pk = monthPartition(config.channelId, month);
      const [weeks, passes, submissions] = await Promise.all([
        store.query<WeekDoc>({ pk, type: 'week', where: { status: 'posted' } }),
        store.query<PassDoc>({ pk, type: 'pass', where: { userId, status: 'passed' } }),
        store.query<SubmissionDoc>({ pk, type: 'submission', where: { author: userId } }),
      ]);
      return { weeks, passes, submissions };
    }),
  );
  const postedWeeks = perMonth
    .flatMap(({ weeks }) => weeks.flatMap(({ doc }) => readableWeek(doc.weekKey, config)))
    .sort((a, b) => a.startMs - b.startMs);
  const posted = new Map(postedWeeks.map((week) => [week.key, week]));
  const takenPart = new Set<WeekKey>();
  for (const { doc } of perMonth.flatMap((m) => m.submissions)) {
    const week = doc.state.weekKey === undefined ? undefined : posted.get(doc.state.weekKey);
    if (week && countsForWeek(doc.state, week)) takenPart.add(week.key);
  }
  const passes = new Set(
    perMonth.flatMap((m) => m.passes).flatMap(({ doc }) => (posted.has(doc.weekKey) ? [doc.weekKey] : [])),
  );
  return { postedWeeks, passes, takenPart };
}

function readableWeek(weekKey: unknown, config: AppConfig): Week[] {
  try {
    return [weekByKey(String(weekKey), config.rules.timeZone)];
  } catch {
    // A stray document of another shape is no posted week (the month read logs it).
    return [];
  }
}
