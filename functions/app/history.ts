import * as z from 'zod';
import { ConflictError, type Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { parseMonthKey } from '../domain/calendar.js';
import {
  type HistoryMonth,
  historyMonth,
  type MemberHistory,
  type MonthSummary,
  memberHistories,
  summarizeMonth,
} from '../domain/history.js';
import type { MonthKey } from '../domain/types.js';
import {
  type AwardDoc,
  awardDocId,
  type MonthSummaryDoc,
  monthPartition,
  monthSummaryDocId,
} from './documents.js';
import { nextEventLoopTurn } from './eventLoopTurn.js';
import type { Computed } from './keptAnswers.js';
import { describeError, type Logger } from './logger.js';
import type { MemberDirectory } from './memberDirectory.js';
import { listMonths, loadMonth } from './monthStats.js';

/** GET /api/history response (SPEC 3.3). */
export interface History {
  timeZone: string;
  months: HistoryMonth[];
  members: (MemberHistory & { name: string })[];
}

/** Bump when the rules a summary is computed with change: stored summaries of older versions are recomputed. */
export const MONTH_SUMMARY_VERSION = 3;

/** A month without an award (imported history) is closed this long after its last week's deadline. */
const CLOSED_WITHOUT_AWARD_MS = 35 * 24 * 60 * 60_000;

export interface HistoryDeps {
  store: Store;
  members: MemberDirectory;
  config: AppConfig;
  log: Logger;
}

/**
 * Every month's summary and every member's record. Closed months come from their stored summaries (one
 * cross-partition query for all of them); only open months read their submissions, and a month found closed
 * is summarised once and stored. So the cost grows with the number of months, not of submissions.
 */
export async function loadHistory(deps: HistoryDeps, nowMs: number): Promise<History> {
  return (await historyAnswer(deps, nowMs)).value;
}

/** What the history answer is computed from, as one value that changes with any write. */
export const historyVersion = (store: Store): string | undefined => store.storeVersion?.().toString();

/**
 * The history for the answer keeper, and until when time alone leaves it true: the next deadline to pass (a streak
 * may end with it) or the instant an open month without an award closes.
 */
export async function historyAnswer(
  deps: HistoryDeps,
  nowMs: number,
): Promise<Computed & { value: History }> {
  const { store, config, log } = deps;
  const [months, stored, names] = await Promise.all([
    listMonths(store, config.channelId),
    store.query<MonthSummaryDoc>({
      type: 'monthSummary',
      where: { channel: config.channelId, version: MONTH_SUMMARY_VERSION },
    }),
    deps.members.names(),
  ]);
  await nextEventLoopTurn();
  const kept = new Map<MonthKey, MonthSummary>();
  for (const { doc } of stored) {
    if (isReadable(doc)) kept.set(doc.month, doc.summary);
    else log.warn(`history: stored summary ${doc.id} is malformed; recomputing ${String(doc.month)}`);
  }
  const changesAt: number[] = [];
  const summaries = await Promise.all(
    months.map(async (month) => {
      const stored = kept.get(month);
      if (stored) return stored;
      const summary = await summarizeOpenMonth(deps, month, nowMs);
      changesAt.push(lastDeadlineOf(summary) + CLOSED_WITHOUT_AWARD_MS + 1);
      return summary;
    }),
  );
  await nextEventLoopTurn();
  for (const { weeks } of summaries) {
    for (const { deadlineMs } of weeks) if (deadlineMs >= nowMs) changesAt.push(deadlineMs + 1);
  }
  return {
    value: {
      timeZone: config.rules.timeZone,
      months: summaries.map(historyMonth),
      members: memberHistories(summaries, nowMs).map((m) => ({
        ...m,
        name: names.get(m.userId) ?? m.userId,
      })),
    },
    expiresAtMs: Math.min(...changesAt),
  };
}

const lastDeadlineOf = (summary: MonthSummary) => Math.max(...summary.weeks.map((w) => w.deadlineMs));

const monthSummarySchema = z.object({
  month: z.string(),
  weeks: z.array(
    z.object({
      key: z.string(),
      deadlineMs: z.number(),
      participants: z.number(),
      likes: z.number(),
      skipped: z.literal(true).optional(),
    }),
  ),
  members: z.array(
    z.object({
      userId: z.string(),
      weeks: z.array(z.string()),
      passes: z.array(z.string()),
      submissions: z.number(),
      likes: z.number(),
      challenger: z.boolean(),
    }),
  ),
  challengers: z.array(z.string()),
  specialChallengers: z.array(z.string()),
});

/** A stored summary the history can use: anything else (a hand edit, a damaged write) is recomputed. */
const isReadable = (doc: MonthSummaryDoc) =>
  parseMonthKey(String(doc.month)) !== undefined && monthSummarySchema.safeParse(doc.summary).success;

/** Summarises `month` from its submissions, and keeps the summary when the month can no longer change. */
async function summarizeOpenMonth(deps: HistoryDeps, month: MonthKey, nowMs: number): Promise<MonthSummary> {
  const { store, config, log } = deps;
  const pk = monthPartition(config.channelId, month);
  const [{ postedWeeks, result }, award] = await Promise.all([
    loadMonth(store, config, month, log),
    store.read<AwardDoc>(pk, awardDocId(month)),
  ]);
  const summary = summarizeMonth(
    month,
    postedWeeks.map((p) => p.week),
    result,
  );
  const closed = award?.doc.status === 'posted' || nowMs - lastDeadlineOf(summary) > CLOSED_WITHOUT_AWARD_MS;
  if (closed) {
    const doc: MonthSummaryDoc = {
      id: monthSummaryDocId(month),
      pk,
      type: 'monthSummary',
      channel: config.channelId,
      month,
      version: MONTH_SUMMARY_VERSION,
      summary,
      computedAt: new Date(nowMs).toISOString(),
    };
    await store.create(doc).catch(async (error: unknown) => {
      if (!(error instanceof ConflictError)) {
        log.warn(`history: could not keep the summary of ${month}: ${describeError(error)}`);
        return;
      }
      // A summary of an older rules version, or one that cannot be read: replace it with this one.
      const existing = await store.read<MonthSummaryDoc>(pk, doc.id);
      if (existing && (existing.doc.version !== MONTH_SUMMARY_VERSION || !isReadable(existing.doc))) {
        await store
          .replace(doc, existing.etag)
          .catch((e: unknown) => log.warn(`history: could not update ${doc.id}: ${describeError(e)}`));
      }
    });
  }
  return summary;
}
