import type { SlackPort } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { previousMonth, weekOfInstant, weeksOfMonth } from '../domain/calendar.js';
import {
  effectivePasses,
  type PassRefusal,
  passDecision,
  passesLeft,
  undoDecision,
  type WeekStanding,
  weekStanding,
} from '../domain/passes.js';
import { countedLikes, countsForWeek } from '../domain/submission.js';
import type { MonthKey, UserId, WeekKey } from '../domain/types.js';
import type { WeekRulesDoc } from './adminDocuments.js';
import {
  type MemberPrefsDoc,
  memberPartition,
  memberPrefsDocId,
  monthPartition,
  type SubmissionDoc,
} from './documents.js';
import { loadHistory } from './history.js';
import type { Logger } from './logger.js';
import type { MemberDirectory } from './memberDirectory.js';
import { loadMemberWeeks, passStanding } from './memberWeeks.js';
import { loadMonth } from './monthStats.js';
import { weekRulesOf } from './weekCalendar.js';

/** What a member sees about themselves (App Home, `/til status`): plain data, worded by the Slack surfaces. */
export interface MemberStatus {
  userId: UserId;
  /** The instant the status is for (epoch ms). */
  atMs: number;
  week: {
    key: WeekKey;
    label: string;
    /** ISO-8601 with the local offset. */
    deadline: string;
    deadlineMs: number;
    /** Until the deadline (0 once it has passed). */
    timeLeftMs: number;
    /** The week's post is made: it has a thread. */
    posted: boolean;
    threadTs: string | null;
    threadUrl: string | null;
    /** The deadline has not passed. */
    open: boolean;
    /** An admin skipped the week (SPEC 9): nobody needs to take part. Present only when true. */
    skipped?: true;
  };
  /** The member's first counted reply this week, if any. */
  submission: { replyTs: string; replyUrl: string | null; blogUrl: string; likes: number } | null;
  passedThisWeek: boolean;
  passes: {
    /** PASSES_PER_MONTH > 0. */
    on: boolean;
    limit: number;
    /** Left in this week's month. */
    left: number;
    canPass: { ok: true } | { ok: false; refusal: PassRefusal };
    canUndo: boolean;
  };
  streak: { current: number; longest: number };
  month: {
    key: MonthKey;
    /** Posted weeks of the month so far, and how the member stands in each. */
    weeks: { key: WeekKey; label: string; standing: WeekStanding }[];
    likes: number;
    /** As /api/stats says: took part or passed in every week posted so far. */
    challenger: boolean;
    /** What is left to become the month's challenger. */
    toBecomeChallenger: ChallengerPath;
    /** The month's five members with the most 👍 (at least one; ties by user id, like the stats). */
    top: { userId: UserId; name: string; likes: number }[];
  };
  reminders: {
    /** REMINDER_AT is set. */
    scheduled: boolean;
    /** The member has not turned them off. */
    on: boolean;
  };
}

/**
 * `out`: a posted week was missed; `done`: every week of the month is taken part in or passed; `on_track`: the
 * weeks still to go (the open week if not yet done, and the month's later weeks) are listed in `toGo`.
 */
export interface ChallengerPath {
  status: 'out' | 'done' | 'on_track';
  missed: WeekKey[];
  toGo: WeekKey[];
}

export interface MemberStatusDeps {
  store: Store;
  slack: SlackPort;
  members: MemberDirectory;
  config: AppConfig;
  log: Logger;
}

/**
 * The member status read model: the same month data and pure rules as /api/stats (likes, challenger, passes) and
 * /api/history (streaks), so its figures are theirs. Only the reply's permalink is asked of Slack, and a failure
 * there leaves it null.
 */
export function createMemberStatus(deps: MemberStatusDeps) {
  const { store, slack, config, log } = deps;
  const { channelId, passesPerMonth: limit, rules } = config;

  async function thisWeeksSubmission(userId: UserId, weekKey: WeekKey, month: MonthKey) {
    const docs = await store.query<SubmissionDoc>({
      pk: monthPartition(channelId, month),
      type: 'submission',
      where: { author: userId, weekKey },
    });
    return docs.map(({ doc }) => doc.state);
  }

  return {
    async of(userId: UserId, nowMs: number): Promise<MemberStatus> {
      const calendarWeek = weekOfInstant(nowMs, rules.timeZone);
      const [monthData, standing, history, names, prefs, replies, weekRules] = await Promise.all([
        loadMonth(store, config, calendarWeek.month, log),
        loadMemberWeeks(store, config, userId, [previousMonth(calendarWeek.month), calendarWeek.month]),
        loadHistory(deps, nowMs),
        deps.members.names(),
        store.read<MemberPrefsDoc>(memberPartition(channelId), memberPrefsDocId(userId)),
        thisWeeksSubmission(userId, calendarWeek.key, calendarWeek.month),
        store.query<WeekRulesDoc>({ pk: monthPartition(channelId, calendarWeek.month), type: 'weekRules' }),
      ]);
      const posted = monthData.postedWeeks.find((p) => p.week.key === calendarWeek.key);
      // As the admins' rules make it (an extended deadline, skipped), like every figure below.
      const week = posted?.week ?? calendarWeek;
      const skippedKeys = new Set(
        weekRules.filter(({ doc }) => weekRulesOf(doc).skipped).map(({ doc }) => doc.weekKey),
      );
      const counted = replies
        .filter((state) => countsForWeek(state, week))
        .sort((a, b) => (a.replyTs < b.replyTs ? -1 : 1))[0];
      const replyUrl = counted ? await slack.permalink(channelId, counted.replyTs).catch(() => null) : null;
      const inForce = effectivePasses(standing.passes, standing.takenPart);
      const me = monthData.result.members.find((m) => m.userId === userId);
      const record = history.members.find((m) => m.userId === userId);
      const monthWeeks = monthData.postedWeeks.map(({ week: w }) => ({
        key: w.key,
        label: w.label,
        standing: weekStanding(w, standing.takenPart, inForce, nowMs),
      }));
      const missed = monthWeeks.filter((w) => w.standing === 'missed').map((w) => w.key);
      const done = (key: WeekKey) => standing.takenPart.has(key) || inForce.has(key) || skippedKeys.has(key);
      const toGo = weeksOfMonth(week.month, rules.timeZone)
        .filter((w) => (w.key === week.key ? week : w).deadlineMs >= nowMs && !done(w.key))
        .map((w) => w.key);
      const decision = passDecision({
        limit,
        week,
        atMs: nowMs,
        ...passStanding(standing),
      });
      return {
        userId,
        atMs: nowMs,
        week: {
          key: week.key,
          label: week.label,
          deadline: week.deadlineIso,
          deadlineMs: week.deadlineMs,
          timeLeftMs: Math.max(0, week.deadlineMs - nowMs),
          posted: posted !== undefined,
          threadTs: posted?.threadTs || null,
          threadUrl: posted?.doc.threadUrl ?? null,
          open: week.deadlineMs >= nowMs,
          ...(week.skipped && { skipped: true as const }),
        },
        submission: counted
          ? {
              replyTs: counted.replyTs,
              replyUrl,
              blogUrl: counted.links[0]!,
              likes: countedLikes(counted, rules),
            }
          : null,
        passedThisWeek: inForce.has(week.key),
        passes: {
          on: limit > 0,
          limit,
          left: passesLeft(limit, week.month, standing.passes, standing.takenPart),
          canPass: decision.ok ? { ok: true } : { ok: false, refusal: decision.refusal },
          canUndo: inForce.has(week.key) && undoDecision({ week, atMs: nowMs, passes: inForce }).ok,
        },
        streak: { current: record?.currentStreak ?? 0, longest: record?.longestStreak ?? 0 },
        month: {
          key: week.month,
          weeks: monthWeeks,
          likes: me?.likes ?? 0,
          challenger: me?.challenger ?? false,
          toBecomeChallenger: {
            status: missed.length > 0 ? 'out' : toGo.length === 0 ? 'done' : 'on_track',
            missed,
            toGo,
          },
          top: monthData.result.members
            .filter((m) => m.likes > 0)
            .slice(0, 5)
            .map((m) => ({ userId: m.userId, name: names.get(m.userId) ?? m.userId, likes: m.likes })),
        },
        reminders: { scheduled: config.reminderAt !== undefined, on: prefs?.doc.reminders ?? true },
      };
    },
  };
}

export type MemberStatusReader = ReturnType<typeof createMemberStatus>;
