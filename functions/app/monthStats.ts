import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { monthResult } from '../domain/awards.js';
import { weekByKey } from '../domain/calendar.js';
import type { MonthKey, MonthResult, UserId, Week } from '../domain/types.js';
import { monthPartition, type SubmissionDoc, type WeekDoc } from './documents.js';
import type { MemberDirectory } from './memberDirectory.js';
import type { ThreadLinks } from './threadLinks.js';

/** GET /api/stats response (SPEC 3.2). */
export interface MonthStats {
  month: MonthKey;
  timeZone: string;
  weeks: {
    key: string;
    ordinal: number;
    label: string;
    startsOn: string;
    deadline: string;
    threadTs: string;
    /** The thread's Slack permalink once known. */
    threadUrl: string | null;
    participants: number;
    likes: number;
  }[];
  members: {
    userId: UserId;
    name: string;
    weeks: string[];
    submissions: number;
    likes: number;
    challenger: boolean;
  }[];
  challengers: UserId[];
  specialChallengers: UserId[];
}

export interface MonthData {
  postedWeeks: { week: Week; threadTs: string; doc: WeekDoc }[];
  result: MonthResult;
}

/** The posted weeks and the pure month result, shared by the stats API and the monthly award. */
export async function loadMonth(store: Store, config: AppConfig, month: MonthKey): Promise<MonthData> {
  const pk = monthPartition(config.channelId, month);
  const [weekDocs, submissionDocs] = await Promise.all([
    store.query<WeekDoc>({ pk, type: 'week', where: { status: 'posted' } }),
    store.query<SubmissionDoc>({ pk, type: 'submission' }),
  ]);
  const postedWeeks = weekDocs
    .map(({ doc }) => ({
      week: weekByKey(doc.weekKey, config.rules.timeZone),
      threadTs: doc.threadTs ?? '',
      doc,
    }))
    .sort((a, b) => a.week.startMs - b.week.startMs);
  const result = monthResult(
    postedWeeks.map((p) => p.week),
    submissionDocs.map(({ doc }) => doc.state),
    config.rules,
  );
  return { postedWeeks, result };
}

export async function loadMonthStats(
  deps: { store: Store; members: MemberDirectory; config: AppConfig; threadLinks: ThreadLinks },
  month: MonthKey,
): Promise<MonthStats> {
  const [{ postedWeeks, result }, names] = await Promise.all([
    loadMonth(deps.store, deps.config, month),
    deps.members.names(),
  ]);
  deps.threadLinks.fillMissing(postedWeeks.map((p) => p.doc));
  const perWeek = new Map(result.weeks.map((w) => [w.key, w]));
  return {
    month,
    timeZone: deps.config.rules.timeZone,
    weeks: postedWeeks.map(({ week, threadTs, doc }) => ({
      key: week.key,
      ordinal: week.ordinal,
      label: week.label,
      startsOn: week.startsOn,
      deadline: week.deadlineIso,
      threadTs,
      threadUrl: doc.threadUrl ?? null,
      participants: perWeek.get(week.key)?.participants ?? 0,
      likes: perWeek.get(week.key)?.likes ?? 0,
    })),
    members: result.members.map((m) => ({
      userId: m.userId,
      name: names.get(m.userId) ?? m.userId,
      weeks: m.weeks,
      submissions: m.submissions,
      likes: m.likes,
      challenger: m.challenger,
    })),
    challengers: result.challengers,
    specialChallengers: result.specialChallengers,
  };
}

/** Months that have at least one posted weekly thread, newest first (a claim whose post failed is no data). */
export async function listMonths(store: Store, channelId: string): Promise<MonthKey[]> {
  const weeks = await store.query<WeekDoc>({ type: 'week', where: { channel: channelId, status: 'posted' } });
  return [...new Set(weeks.map(({ doc }) => doc.month))].sort().reverse();
}
