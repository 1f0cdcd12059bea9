import type { QueueSender } from '../adapters/queue/queue.js';
import { type MessageTag, SlackCallError, type SlackPort } from '../adapters/slack/slack.js';
import { ConflictError, PreconditionFailedError, type Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { dueJobs } from '../domain/schedule.js';
import type { MonthKey, Week } from '../domain/types.js';
import { jobNames, type Templates } from '../messages/templates.js';
import type { AdminAlerts } from './adminAlerts.js';
import { composeAward } from './awardMessage.js';
import {
  type AwardDoc,
  awardDocId,
  monthPartition,
  threadDocument,
  type WeekDoc,
  weekDocIdentity,
} from './documents.js';
import { describeError, type Logger } from './logger.js';
import type { DrainReport } from './outbox.js';
import { threadRecordedMessage } from './queuedEvent.js';
import type { ReminderReport, Reminders } from './reminders.js';
import type { Resync } from './resync.js';
import type { ThreadLinks } from './threadLinks.js';
import type { WeekCalendar } from './weekCalendar.js';

/**
 * How long a claim protects a post in progress; after that a crashed poster's claim may be taken over. Well above
 * the longest a post and its record can take (each Slack call gives up within a minute), so a slow post is never
 * taken over.
 */
const CLAIM_MS = 10 * 60_000;

/** The reminders' share of a tick (one DM a second): what is left goes out at the next tick. */
const REMINDER_BUDGET_MS = 2 * 60_000;

export type JobOutcome =
  | 'posted'
  | 'already-posted'
  | 'claimed-elsewhere'
  | 'failed'
  | 'not-due'
  | 'nothing-to-award'
  /** The award's re-sync found events Slack never delivered: it decides once they are applied. */
  | 'waiting-for-resync'
  /** An admin skipped the week (SPEC 9): it is not posted. */
  | 'skipped';

export interface TickReport {
  now: string;
  week: string;
  weeklyPost: JobOutcome;
  monthlyAward: JobOutcome;
  awardMonth?: MonthKey;
  /** What the outbox sweep did, when it found anything to do. */
  effects?: Omit<DrainReport, 'outage'>;
  /** The weeks re-synced from Slack, when any was due: what each did, its Slack calls and the repairs it queued. */
  resync?: { week: string; outcome: string; slackCalls: number; events: number }[];
  /** What the weekly reminder job did, when it was due (SPEC 8). */
  reminders?: ReminderReport;
}

export interface ScheduledJobsDeps {
  store: Store;
  slack: SlackPort;
  config: AppConfig;
  templates: Templates;
  alerts: AdminAlerts;
  log: Logger;
  /** Carries the thread_recorded message to the week's session. */
  queue: QueueSender;
  /** The thread's permalink is kept with the week once it is posted. */
  threadLinks: ThreadLinks;
  /** The real clock: claims and their expiry are taken on it, whatever instant a tick is run for. */
  now: () => number;
  /** Retries the effects and admin alerts whose earlier attempts failed (app/outbox.ts). */
  sweepOutbox: () => Promise<DrainReport>;
  /** Reads the open weeks' threads back from Slack (app/resync.ts), and the month's before its award. */
  resync: Pick<Resync, 'runDue' | 'beforeAward'>;
  /** The weekly reminder DMs (REMINDER_AT). */
  reminders?: Reminders;
  /** The admins' week rules: a skipped week is not posted. */
  weeks: WeekCalendar;
}

type Claimable = WeekDoc | AwardDoc;

/** The fields that make a fresh claim: it protects a post in progress until claimExpiresAt. */
const freshClaim = (nowMs: number) => ({
  status: 'claimed' as const,
  claimedAt: new Date(nowMs).toISOString(),
  claimExpiresAt: new Date(nowMs + CLAIM_MS).toISOString(),
});

/**
 * Claims a document (create-if-absent, or take over an expired claim with IfMatch) so that one caller posts.
 * Returns the claimed document and its etag, or why it could not be claimed. `nowMs` is the real clock's.
 */
async function claim<T extends Claimable>(
  store: Store,
  fresh: T,
  nowMs: number,
): Promise<
  { doc: T; etag: string; recovering: boolean } | { outcome: 'already-posted' | 'claimed-elsewhere' }
> {
  try {
    return { doc: fresh, etag: (await store.create(fresh)).etag, recovering: false };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  const existing = await store.read<T>(fresh.pk, fresh.id);
  if (!existing) return { outcome: 'claimed-elsewhere' };
  if (existing.doc.status === 'posted') return { outcome: 'already-posted' };
  if (Date.parse(existing.doc.claimExpiresAt) > nowMs) return { outcome: 'claimed-elsewhere' };
  try {
    const doc = { ...existing.doc, ...fresh };
    const { etag } = await store.replace(doc, existing.etag);
    return { doc, etag, recovering: true };
  } catch (error) {
    if (error instanceof PreconditionFailedError) return { outcome: 'claimed-elsewhere' };
    throw error;
  }
}

/** A job's failure, with since when the job has kept failing (kept in its document across ticks). */
class JobFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly failingSinceMs: number,
  ) {
    super(describeError(cause));
    this.name = 'JobFailure';
  }
}

interface ScheduledPost<T extends Claimable> {
  /** Names the job in logs and admin alerts. */
  name: string;
  tag: MessageTag;
  /** Where a post of an earlier holder could be: the start of the week the job runs in. */
  searchFromTs: string;
  text: () => string;
  /** What the document records once the message is in the channel. */
  record: (ts: string) => Promise<Partial<T>>;
}

/**
 * Claims `doc`, posts the message and records it, at most once across ticks and instances. When taking over an
 * expired or released claim, first looks for an earlier holder's post (it may have failed or crashed after Slack
 * accepted it) so the message is not posted twice. On failure the claim is released for a later tick, and the
 * error is rethrown for the caller to report.
 */
async function postOnce<T extends Claimable>(
  deps: ScheduledJobsDeps,
  fresh: T,
  post: ScheduledPost<T>,
): Promise<JobOutcome> {
  const { store, slack, config, log } = deps;
  const claimed = await claim(store, fresh, deps.now());
  if ('outcome' in claimed) return claimed.outcome;
  const { failingSince: _, ...doc } = claimed.doc;
  try {
    // Also after an ambiguous failure (a post whose answer was lost): the claim was released, not removed.
    const postedBefore = claimed.recovering
      ? await slack.findTaggedMessage(config.channelId, post.tag, post.searchFromTs)
      : undefined;
    const ts =
      postedBefore ??
      (await slack.postMessage({ channel: config.channelId, text: post.text(), tag: post.tag })).ts;
    const recorded = await post.record(ts);
    await store.replace(
      { ...doc, ...recorded, status: 'posted', postedAt: new Date(deps.now()).toISOString() },
      claimed.etag,
    );
    log.info(`${post.name}: posted`);
    return 'posted';
  } catch (error) {
    const failingSince = claimed.doc.failingSince ?? new Date(deps.now()).toISOString();
    await store
      .replace({ ...doc, failingSince, claimExpiresAt: new Date(0).toISOString() }, claimed.etag)
      .catch((releaseError) =>
        log.warn(`${post.name}: could not release claim: ${describeError(releaseError)}`),
      );
    throw new JobFailure(error, Date.parse(failingSince));
  }
}

/** A job that keeps failing is reported once an hour, not at every tick. */
const ALERT_EVERY_MS = 60 * 60_000;
/** A transient failure (Slack down, a lost answer) is reported only once the job has failed for this long. */
const ALERT_TRANSIENT_AFTER_MS = 30 * 60_000;

export function createScheduledJobs(deps: ScheduledJobsDeps) {
  const { store, config, templates } = deps;
  const { channelId } = config;
  const lastAlertMs = new Map<string, number>();

  /** Thread → week, so replies in the thread find their week whatever instant the post was made at. */
  async function recordThread(threadTs: string, week: Week) {
    const thread = threadDocument(channelId, threadTs, week, config.rules.timeZone);
    await store.create(thread).catch((error) => {
      if (!(error instanceof ConflictError)) throw error;
    });
  }

  async function weeklyPost(week: Week, searchFromTs: string): Promise<JobOutcome> {
    if ((await deps.weeks.rules(week)).skipped) return 'skipped';
    const doc: WeekDoc = { ...weekDocIdentity(channelId, week), ...freshClaim(deps.now()) };
    return postOnce(deps, doc, {
      name: jobNames.weeklyPost(week.key),
      tag: { type: 'til_weekly_post', id: week.key },
      searchFromTs,
      text: () =>
        templates.weeklyPost({
          week,
          allowedBlogHosts: config.rules.allowedBlogHosts,
          dashboardUrl: config.dashboardUrl,
          footer: config.weeklyFooter,
        }),
      record: async (threadTs) => {
        await recordThread(threadTs, week);
        // Replies processed before the record are adopted in the week's session, after them.
        await deps.queue.send(threadRecordedMessage(threadTs, week));
        return { threadTs, threadUrl: await deps.threadLinks.fetch(threadTs) };
      },
    });
  }

  async function monthlyAward(month: MonthKey, searchFromTs: string, nowMs: number): Promise<JobOutcome> {
    const pk = monthPartition(channelId, month);
    // Every tick of the first week gets here: the award document answers without reading the month.
    const existing = await store.read<AwardDoc>(pk, awardDocId(month));
    if (existing?.doc.status === 'posted') return 'already-posted';
    if (existing && Date.parse(existing.doc.claimExpiresAt) > deps.now()) return 'claimed-elsewhere';
    // Events Slack never delivered could change who the challengers are: the month's threads are read back first.
    if (!(await deps.resync.beforeAward(month))) return 'waiting-for-resync';
    const award = await composeAward({ store, config, templates, log: deps.log }, month);
    if (!award) return 'nothing-to-award';
    // A week extended past this instant still takes replies that count: the award waits for its deadline.
    if (award.openUntilMs >= nowMs) return 'not-due';
    const doc: AwardDoc = {
      id: awardDocId(month),
      pk,
      type: 'award',
      channel: channelId,
      month,
      ...freshClaim(deps.now()),
    };
    return postOnce(deps, doc, {
      name: jobNames.monthlyAward(month),
      tag: { type: 'til_monthly_award', id: month },
      searchFromTs,
      text: () => award.text,
      record: async (messageTs) => ({ messageTs }),
    });
  }

  /**
   * Runs a job; any failure (claiming, posting, recording) is logged, and reported to the admins when it is real:
   * at once when Slack refused (someone must act) or the store failed, after ALERT_TRANSIENT_AFTER_MS when it
   * may heal by itself (Slack down, an answer lost: the next tick looks the post up). At most once an hour.
   */
  async function guarded(name: string, job: () => Promise<JobOutcome>): Promise<JobOutcome> {
    try {
      return await job();
    } catch (failure) {
      const error = failure instanceof JobFailure ? failure.cause : failure;
      deps.log.error(`${name}: failed: ${describeError(error)}`);
      const nowMs = deps.now();
      const failingForMs = failure instanceof JobFailure ? nowMs - failure.failingSinceMs : 0;
      const mayHeal = error instanceof SlackCallError && error.retryable;
      if (mayHeal && failingForMs < ALERT_TRANSIENT_AFTER_MS) return 'failed';
      const last = lastAlertMs.get(name);
      if (last === undefined || nowMs - last >= ALERT_EVERY_MS) {
        lastAlertMs.set(name, nowMs);
        // Keyed by the hour, so instances ticking at once alert once.
        const key = `${name}:${Math.floor(nowMs / ALERT_EVERY_MS)}`;
        await deps.alerts.scheduledPostFailed({ job: name, reason: describeError(error) }, key);
      }
      return 'failed';
    }
  }

  /** A reminder run that fails (the store) leaves the rest to the next tick; each DM's own failures are retried. */
  async function remind(week: Week): Promise<ReminderReport | undefined> {
    if (!deps.reminders) return undefined;
    try {
      return await deps.reminders.run(week, REMINDER_BUDGET_MS);
    } catch (error) {
      deps.log.error(`reminders ${week.key} failed: ${describeError(error)}`);
      return undefined;
    }
  }

  /** A sweep failure (the store, say) must not fail the tick: its work waits for the next one. */
  async function sweep(): Promise<TickReport['effects']> {
    try {
      const { outage: _, ...report } = await deps.sweepOutbox();
      return Object.values(report).some((n) => n > 0) ? report : undefined;
    } catch (error) {
      deps.log.error(`outbox sweep failed: ${describeError(error)}`);
      return undefined;
    }
  }

  /** Like the sweep, a re-sync failure (the store, say) must not fail the tick; Slack's are kept per week. */
  async function resyncOpenWeeks(nowMs: number): Promise<TickReport['resync']> {
    try {
      const { weeks } = await deps.resync.runDue(nowMs);
      if (weeks.length === 0) return undefined;
      return weeks.map(({ week, outcome, slackCalls, events }) => ({
        week: week.key,
        outcome,
        slackCalls,
        events,
      }));
    } catch (error) {
      deps.log.error(`re-sync failed: ${describeError(error)}`);
      return undefined;
    }
  }

  return {
    /**
     * Runs whatever is due at `nowMs`: the week's post first, then (first week of a month) last month's award,
     * then the outbox sweep, then the re-sync of the open weeks whose re-sync is due. `nowMs` only chooses what is due (an operator may re-run a missed post); claims and
     * the sweep go by the real clock, so a tick for another instant can never make a second post.
     */
    async runDue(nowMs: number): Promise<TickReport> {
      const due = dueJobs(nowMs, config.postTime, config.rules.timeZone, config.reminderAt);
      const weekStartTs = String(Math.floor(due.week.startMs / 1000));
      const weekly = due.weeklyPostDue
        ? await guarded(`weekly post ${due.week.key}`, () => weeklyPost(due.week, weekStartTs))
        : 'not-due';
      // The award follows the week's post so it lands below it in the channel (or, the week skipped, goes alone).
      const awardMonth = ['posted', 'already-posted', 'skipped'].includes(weekly)
        ? due.awardMonth
        : undefined;
      const award = awardMonth
        ? await guarded(`monthly award ${awardMonth}`, () => monthlyAward(awardMonth, weekStartTs, nowMs))
        : 'not-due';
      const reminders = due.remindersDue ? await remind(due.week) : undefined;
      const effects = await sweep();
      const resync = await resyncOpenWeeks(nowMs);
      return {
        now: new Date(nowMs).toISOString(),
        week: due.week.key,
        weeklyPost: weekly,
        monthlyAward: award,
        awardMonth: due.awardMonth,
        ...(effects && { effects }),
        ...(resync && { resync }),
        ...(reminders && { reminders }),
      };
    },
  };
}

export type ScheduledJobs = ReturnType<typeof createScheduledJobs>;
