import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { previousMonth, weekOfInstant } from '../domain/calendar.js';
import type { MonthKey } from '../domain/types.js';
import { requiredWeeks } from '../domain/weekRules.js';
import type { Templates } from '../messages/templates.js';
import { type AwardDoc, awardDocId, monthPartition } from './documents.js';
import type { Logger } from './logger.js';
import { loadMonth } from './monthStats.js';

/**
 * What `month`'s award says, from the month rules (skipped weeks not required, extended deadlines, excluded
 * replies) and the award template: the monthly job posts it, `/til admin award preview` shows it. Undefined when
 * the month had no weekly post.
 */
export async function composeAward(
  deps: { store: Store; config: AppConfig; templates: Templates; log?: Pick<Logger, 'warn'> },
  month: MonthKey,
): Promise<{ text: string; weeksPosted: number } | undefined> {
  const { postedWeeks, result } = await loadMonth(deps.store, deps.config, month, deps.log);
  if (postedWeeks.length === 0) return undefined;
  const likesOf = new Map(result.members.map((m) => [m.userId, m.likes]));
  const ranked = (ids: string[]) => ids.map((userId) => ({ userId, likes: likesOf.get(userId) ?? 0 }));
  // A skipped week was posted but is no one's duty: the award counts the weeks it asked of everyone.
  const weeksPosted = requiredWeeks(postedWeeks.map((p) => p.week)).length;
  const text = deps.templates.monthlyAward({
    month,
    challengers: ranked(result.challengers),
    specialChallengers: ranked(result.specialChallengers),
    weeksPosted,
  });
  return { text, weeksPosted };
}

/**
 * The month whose award comes next at `nowMs`: last month's until it is posted (the award goes out on the first
 * Monday of the month after), otherwise the month of the current week, so far.
 */
export async function nextAwardMonth(
  deps: { store: Store; config: AppConfig },
  nowMs: number,
): Promise<MonthKey> {
  const current = weekOfInstant(nowMs, deps.config.rules.timeZone).month;
  const last = previousMonth(current);
  const award = await deps.store.read<AwardDoc>(
    monthPartition(deps.config.channelId, last),
    awardDocId(last),
  );
  if (award?.doc.status === 'posted') return current;
  const { postedWeeks } = await loadMonth(deps.store, deps.config, last);
  return postedWeeks.length > 0 ? last : current;
}
