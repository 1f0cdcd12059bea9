import type { QueueSender } from '../adapters/queue/queue.js';
import type { MessageTag, SlackPort } from '../adapters/slack/slack.js';
import { ConflictError, PreconditionFailedError, type Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { dueJobs } from '../domain/schedule.js';
import type { MonthKey, Week } from '../domain/types.js';
import type { Templates } from '../messages/templates.js';
import type { AdminAlerts } from './adminAlerts.js';
import {
  type AwardDoc,
  awardDocId,
  monthPartition,
  threadDocument,
  type WeekDoc,
  weekDocIdentity,
} from './documents.js';
import { describeError, type Logger } from './logger.js';
import { loadMonth } from './monthStats.js';
import { threadRecordedMessage } from './queuedEvent.js';
import type { ThreadLinks } from './threadLinks.js';

/**
 * How long a claim protects a post in progress; after that a crashed poster's claim may be taken over. Well above
 * the longest a post and its record can take (each Slack call gives up within a minute), so a slow post is never
 * taken over.
 */
const CLAIM_MS = 10 * 60_000;

export type JobOutcome =
  | 'posted'
  | 'already-posted'
  | 'claimed-elsewhere'
  | 'failed'
  | 'not-due'
  | 'nothing-to-award';

export interface TickReport {
  now: string;
  week: string;
  weeklyPost: JobOutcome;
  monthlyAward: JobOutcome;
  awardMonth?: MonthKey;
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
 * Returns the claimed document's etag, or why it could not be claimed.
 */
async function claim<T extends Claimable>(
  store: Store,
  fresh: T,
  nowMs: number,
): Promise<{ etag: string; recovering: boolean } | { outcome: 'already-posted' | 'claimed-elsewhere' }> {
  try {
    return { etag: (await store.create(fresh)).etag, recovering: false };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  const existing = await store.read<T>(fresh.pk, fresh.id);
  if (!existing) return { outcome: 'claimed-elsewhere' };
  if (existing.doc.status === 'posted') return { outcome: 'already-posted' };
  if (Date.parse(existing.doc.claimExpiresAt) > nowMs) return { outcome: 'claimed-elsewhere' };
  try {
    const { etag } = await store.replace({ ...existing.doc, ...fresh }, existing.etag);
    return { etag, recovering: true };
  } catch (error) {
    if (error instanceof PreconditionFailedError) return { outcome: 'claimed-elsewhere' };
    throw error;
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
  doc: T,
  nowMs: number,
  post: ScheduledPost<T>,
): Promise<JobOutcome> {
  const { store, slack, config, log } = deps;
  const claimed = await claim(store, doc, nowMs);
  if ('outcome' in claimed) return claimed.outcome;
  try {
    const postedBefore = claimed.recovering
      ? await slack.findTaggedMessage(config.channelId, post.tag, post.searchFromTs)
      : undefined;
    const ts =
      postedBefore ??
      (await slack.postMessage({ channel: config.channelId, text: post.text(), tag: post.tag })).ts;
    const recorded = await post.record(ts);
    await store.replace(
      { ...doc, ...recorded, status: 'posted', postedAt: new Date(nowMs).toISOString() },
      claimed.etag,
    );
    log.info(`${post.name}: posted`);
    return 'posted';
  } catch (error) {
    await store
      .replace({ ...doc, claimExpiresAt: new Date(0).toISOString() }, claimed.etag)
      .catch((releaseError) =>
        log.warn(`${post.name}: could not release claim: ${describeError(releaseError)}`),
      );
    throw error;
  }
}

/** A job that keeps failing is reported once an hour, not at every tick. */
const ALERT_EVERY_MS = 60 * 60_000;

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

  function weeklyPost(week: Week, nowMs: number, searchFromTs: string): Promise<JobOutcome> {
    const doc: WeekDoc = { ...weekDocIdentity(channelId, week), ...freshClaim(nowMs) };
    return postOnce(deps, doc, nowMs, {
      name: `weekly post ${week.key}`,
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

  async function monthlyAward(month: MonthKey, nowMs: number, searchFromTs: string): Promise<JobOutcome> {
    const { postedWeeks, result } = await loadMonth(store, config, month);
    if (postedWeeks.length === 0) return 'nothing-to-award';
    const doc: AwardDoc = {
      id: awardDocId(month),
      pk: monthPartition(channelId, month),
      type: 'award',
      channel: channelId,
      month,
      ...freshClaim(nowMs),
    };
    const likesOf = new Map(result.members.map((m) => [m.userId, m.likes]));
    const ranked = (ids: string[]) => ids.map((userId) => ({ userId, likes: likesOf.get(userId) ?? 0 }));
    return postOnce(deps, doc, nowMs, {
      name: `monthly award ${month}`,
      tag: { type: 'til_monthly_award', id: month },
      searchFromTs,
      text: () =>
        templates.monthlyAward({
          month,
          challengers: ranked(result.challengers),
          specialChallengers: ranked(result.specialChallengers),
        }),
      record: async (messageTs) => ({ messageTs }),
    });
  }

  /** Runs a job; any failure (claiming, posting, recording) is logged and reported to the admins, throttled. */
  async function guarded(name: string, nowMs: number, job: () => Promise<JobOutcome>): Promise<JobOutcome> {
    try {
      return await job();
    } catch (error) {
      deps.log.error(`${name}: failed: ${describeError(error)}`);
      const last = lastAlertMs.get(name);
      if (last === undefined || nowMs - last >= ALERT_EVERY_MS) {
        lastAlertMs.set(name, nowMs);
        await deps.alerts.scheduledPostFailed({ job: name, reason: describeError(error) });
      }
      return 'failed';
    }
  }

  return {
    /** Runs whatever is due at `nowMs`: the week's post first, then (first week of a month) last month's award. */
    async runDue(nowMs: number): Promise<TickReport> {
      const due = dueJobs(nowMs, config.postTime, config.rules.timeZone);
      const weekStartTs = String(Math.floor(due.week.startMs / 1000));
      const weekly = due.weeklyPostDue
        ? await guarded(`weekly post ${due.week.key}`, nowMs, () => weeklyPost(due.week, nowMs, weekStartTs))
        : 'not-due';
      // The award follows the week's post so it lands below it in the channel.
      const awardMonth = weekly === 'posted' || weekly === 'already-posted' ? due.awardMonth : undefined;
      const award = awardMonth
        ? await guarded(`monthly award ${awardMonth}`, nowMs, () =>
            monthlyAward(awardMonth, nowMs, weekStartTs),
          )
        : 'not-due';
      return {
        now: new Date(nowMs).toISOString(),
        week: due.week.key,
        weeklyPost: weekly,
        monthlyAward: award,
        awardMonth: due.awardMonth,
      };
    },
  };
}

export type ScheduledJobs = ReturnType<typeof createScheduledJobs>;
