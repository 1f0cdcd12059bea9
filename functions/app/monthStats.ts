import type { Store, Stored } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { monthResultOfCounted } from '../domain/awards.js';
import { parseMonthKey, weekByKey, weeksOfMonth } from '../domain/calendar.js';
import type { MonthKey, MonthResult, UserId, Week, WeekKey } from '../domain/types.js';
import { effectiveWeek, type WeekRules } from '../domain/weekRules.js';
import type { WeekRulesDoc } from './adminDocuments.js';
import {
  memberPartition,
  monthPartition,
  type PassDoc,
  type SubmissionDoc,
  type WeekDoc,
} from './documents.js';
import { nextEventLoopTurn } from './eventLoopTurn.js';
import type { Computed } from './keptAnswers.js';
import type { MemberDirectory } from './memberDirectory.js';
import { countSubmissions, type SkipLog, skipped } from './submissionCounts.js';
import type { ThreadLinks } from './threadLinks.js';
import { weekRulesOf } from './weekCalendar.js';

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
    /** An admin skipped it (SPEC 9): present only when true. */
    skipped?: true;
    participants: number;
    likes: number;
  }[];
  members: {
    userId: UserId;
    name: string;
    weeks: string[];
    /** Weeks passed (SPEC 8), not taken part in after all. */
    passes: string[];
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
  /** Weeks an admin skipped before they were posted (so never posted): the dashboard still shows them. */
  skippedUnposted: Week[];
}

function readableWeeks(
  docs: Stored<WeekDoc>[],
  rules: ReadonlyMap<WeekKey, WeekRules>,
  timeZone: string,
  log: SkipLog | undefined,
) {
  return docs.flatMap(({ doc }) => {
    try {
      const week = effectiveWeek(weekByKey(doc.weekKey, timeZone), rules.get(doc.weekKey), timeZone);
      return [{ week, threadTs: doc.threadTs ?? '', doc }];
    } catch (error) {
      skipped(log, doc, error instanceof Error ? error.message : String(error));
      return [];
    }
  });
}

/**
 * The posted weeks (as the admins' week rules make them: skipped, extended) and the pure month result, shared by
 * the stats API and the monthly award. A stored document
 * the rules cannot read (a hand edit, a bug of another version) is skipped and logged: one bad document must not
 * take its whole month down.
 */
export async function loadMonth(
  store: Store,
  config: AppConfig,
  month: MonthKey,
  log?: SkipLog,
): Promise<MonthData> {
  const pk = monthPartition(config.channelId, month);
  // Kept until the partition's next write (where the store can tell): a read of an unchanged month is O(1).
  // Everything the figures depend on (weeks, submissions, passes, week rules) lives in this one partition.
  const version = store.partitionVersion?.(pk);
  const kept = monthsKept.get(store)?.get(pk);
  if (version !== undefined && kept?.version === version && kept.config === config) return kept.data;
  const data = await computeMonth(store, config, month, log);
  if (version !== undefined && store.partitionVersion?.(pk) === version) {
    const perStore = monthsKept.get(store) ?? new Map();
    monthsKept.set(store, perStore);
    perStore.set(pk, { version, config, data });
  }
  return data;
}

/** loadMonth's figures per store and partition, with the partition version they were computed at. */
const monthsKept = new WeakMap<Store, Map<string, { version: number; config: AppConfig; data: MonthData }>>();

async function computeMonth(
  store: Store,
  config: AppConfig,
  month: MonthKey,
  log?: SkipLog,
): Promise<MonthData> {
  const pk = monthPartition(config.channelId, month);
  const [weekDocs, submissionDocs, passDocs, ruleDocs] = await Promise.all([
    store.query<WeekDoc>({ pk, type: 'week', where: { status: 'posted' } }),
    store.query<SubmissionDoc>({ pk, type: 'submission', readOnly: true }),
    store.query<PassDoc>({ pk, type: 'pass', where: { status: 'passed' }, readOnly: true }),
    store.query<WeekRulesDoc>({ pk, type: 'weekRules', readOnly: true }),
  ]);
  // The partition's scans above are one slice, the counting (sliced itself) and the result the next ones.
  await nextEventLoopTurn();
  const rules = new Map(ruleDocs.map(({ doc }) => [doc.weekKey, weekRulesOf(doc)]));
  const postedWeeks = readableWeeks(weekDocs, rules, config.rules.timeZone, log).sort(
    (a, b) => a.week.startMs - b.week.startMs,
  );
  const weeks = postedWeeks.map((p) => p.week);
  const counted = await countSubmissions(store, pk, submissionDocs, weeks, config, log);
  await nextEventLoopTurn();
  const result = monthResultOfCounted(
    weeks,
    counted,
    passDocs.map(({ doc }) => ({ userId: doc.userId, weekKey: doc.weekKey })),
  );
  const posted = new Set(postedWeeks.map((p) => p.week.key));
  const skippedUnposted = weeksOfMonth(month, config.rules.timeZone)
    .filter((week) => !posted.has(week.key) && rules.get(week.key)?.skipped)
    .map((week) => effectiveWeek(week, rules.get(week.key), config.rules.timeZone));
  return { postedWeeks, result, skippedUnposted };
}

/**
 * What the stats answer of `month` is computed from, as one value that changes with any write to it: the month's
 * partition (weeks, submissions, passes, week rules) and the members' (names). Undefined where the store cannot
 * tell.
 */
export function monthStatsVersion(store: Store, channelId: string, month: MonthKey): string | undefined {
  const version = store.partitionVersion?.bind(store);
  return version && `${version(monthPartition(channelId, month))}:${version(memberPartition(channelId))}`;
}

/** The stats answer for the answer keeper: serving it again retries the thread links the month still lacks. */
export async function monthStatsAnswer(deps: MonthStatsDeps, month: MonthKey): Promise<Computed> {
  const { stats, weekDocs } = await monthStatsOf(deps, month);
  const missing = weekDocs.filter((doc) => !doc.threadUrl);
  return {
    value: stats,
    onReuse: missing.length > 0 ? () => deps.threadLinks.fillMissing(missing) : undefined,
  };
}

export interface MonthStatsDeps {
  store: Store;
  members: MemberDirectory;
  config: AppConfig;
  threadLinks: ThreadLinks;
  log?: SkipLog;
}

export async function loadMonthStats(deps: MonthStatsDeps, month: MonthKey): Promise<MonthStats> {
  return (await monthStatsOf(deps, month)).stats;
}

async function monthStatsOf(
  deps: MonthStatsDeps,
  month: MonthKey,
): Promise<{ stats: MonthStats; weekDocs: WeekDoc[] }> {
  const [{ postedWeeks, result, skippedUnposted }, names] = await Promise.all([
    loadMonth(deps.store, deps.config, month, deps.log),
    deps.members.names(),
  ]);
  const weekDocs = postedWeeks.map((p) => p.doc);
  deps.threadLinks.fillMissing(weekDocs);
  await nextEventLoopTurn();
  const perWeek = new Map(result.weeks.map((w) => [w.key, w]));
  const stats: MonthStats = {
    month,
    timeZone: deps.config.rules.timeZone,
    weeks: postedWeeks
      .map(({ week, threadTs, doc }) => ({
        key: week.key,
        ordinal: week.ordinal,
        label: week.label,
        startsOn: week.startsOn,
        deadline: week.deadlineIso,
        threadTs,
        threadUrl: doc.threadUrl ?? null,
        ...(week.skipped && { skipped: true as const }),
        participants: perWeek.get(week.key)?.participants ?? 0,
        likes: perWeek.get(week.key)?.likes ?? 0,
      }))
      .concat(
        skippedUnposted.map((week) => ({
          key: week.key,
          ordinal: week.ordinal,
          label: week.label,
          startsOn: week.startsOn,
          deadline: week.deadlineIso,
          threadTs: '',
          threadUrl: null,
          skipped: true as const,
          participants: 0,
          likes: 0,
        })),
      )
      .sort((a, b) => a.ordinal - b.ordinal),
    members: result.members.map((m) => ({
      userId: m.userId,
      name: names.get(m.userId) ?? m.userId,
      weeks: m.weeks,
      passes: m.passes,
      submissions: m.submissions,
      likes: m.likes,
      challenger: m.challenger,
    })),
    challengers: result.challengers,
    specialChallengers: result.specialChallengers,
  };
  return { stats, weekDocs };
}

/**
 * Months that have at least one posted weekly thread, newest first (a claim whose post failed is no data), and
 * only months /api/stats accepts: a stray document of another era lists no month the dashboard cannot open.
 */
export async function listMonths(store: Store, channelId: string): Promise<MonthKey[]> {
  const weeks = await store.query<WeekDoc>({ type: 'week', where: { channel: channelId, status: 'posted' } });
  const months = weeks.flatMap(({ doc }) => {
    const month = typeof doc.month === 'string' ? parseMonthKey(doc.month) : undefined;
    return month ? [month] : [];
  });
  return [...new Set(months)].sort().reverse();
}
