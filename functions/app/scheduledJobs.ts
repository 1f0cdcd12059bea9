import type { MessageTag, SlackPort } from '../adapters/slack/slack.js';
import { ConflictError, PreconditionFailedError, type Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { routingMonthOfTs } from '../domain/calendar.js';
import { dueJobs } from '../domain/schedule.js';
import type { MonthKey, Week } from '../domain/types.js';
import type { Templates } from '../messages/templates.js';
import type { AdminAlerts } from './adminAlerts.js';
import {
  type AwardDoc,
  awardDocId,
  monthPartition,
  type ThreadDoc,
  threadDocId,
  type WeekDoc,
  weekDocId,
} from './documents.js';
import { describeError, type Logger } from './logger.js';
import { loadMonth } from './monthStats.js';

/** How long a claim protects a post in progress; after that a crashed poster's claim may be taken over. */
const CLAIM_MS = 2 * 60_000;

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
}

type Claimable = WeekDoc | AwardDoc;

/**
 * Claims a document (create-if-absent, or take over an expired claim with IfMatch) so that one caller posts.
 * Returns the claimed document's etag, or why it could not be claimed.
 */
async function claim<T extends Claimable>(
  store: Store,
  fresh: T,
  nowMs: number,
): Promise<{ etag: string; recoveringSince?: string } | { outcome: 'already-posted' | 'claimed-elsewhere' }> {
  try {
    return { etag: (await store.create(fresh)).etag };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  const existing = await store.read<T>(fresh.pk, fresh.id);
  if (!existing) return { outcome: 'claimed-elsewhere' };
  if (existing.doc.status === 'posted') return { outcome: 'already-posted' };
  if (Date.parse(existing.doc.claimExpiresAt) > nowMs) return { outcome: 'claimed-elsewhere' };
  try {
    const { etag } = await store.replace({ ...existing.doc, ...fresh }, existing.etag);
    return { etag, recoveringSince: existing.doc.claimedAt };
  } catch (error) {
    if (error instanceof PreconditionFailedError) return { outcome: 'claimed-elsewhere' };
    throw error;
  }
}

/**
 * Posts a claimed document's message and records it; on failure releases the claim so a later tick retries.
 * When taking over an expired claim, first looks for the earlier holder's post (it may have crashed after Slack
 * accepted it) so the message is not posted twice.
 */
async function postClaimed<T extends Claimable>(
  deps: ScheduledJobsDeps,
  doc: T,
  claimed: { etag: string; recoveringSince?: string },
  nowMs: number,
  job: string,
  post: (alreadyPostedTs: string | undefined) => Promise<Partial<T>>,
  tag: MessageTag,
): Promise<JobOutcome> {
  const { etag, recoveringSince } = claimed;
  try {
    const oldestTs = recoveringSince && String(Math.floor(Date.parse(recoveringSince) / 1000) - 60);
    const alreadyPosted = oldestTs
      ? await deps.slack.findTaggedMessage(deps.config.channelId, tag, oldestTs)
      : undefined;
    const recorded = await post(alreadyPosted);
    await deps.store.replace(
      { ...doc, ...recorded, status: 'posted', postedAt: new Date(nowMs).toISOString() },
      etag,
    );
    deps.log.info(`${job}: posted`);
    return 'posted';
  } catch (error) {
    deps.log.error(`${job}: failed: ${describeError(error)}`);
    await deps.store
      .replace({ ...doc, claimExpiresAt: new Date(0).toISOString() }, etag)
      .catch((releaseError) =>
        deps.log.warn(`${job}: could not release claim: ${describeError(releaseError)}`),
      );
    await deps.alerts.scheduledPostFailed({ job, reason: describeError(error) });
    return 'failed';
  }
}

export function createScheduledJobs(deps: ScheduledJobsDeps) {
  const { store, slack, config, templates } = deps;
  const { channelId } = config;

  async function recordThread(threadTs: string, week: Week) {
    const thread: ThreadDoc = {
      id: threadDocId(threadTs),
      pk: monthPartition(channelId, routingMonthOfTs(threadTs, config.rules.timeZone)),
      type: 'thread',
      weekKey: week.key,
      threadTs,
    };
    await store.create(thread).catch((error) => {
      if (!(error instanceof ConflictError)) throw error;
    });
  }

  async function weeklyPost(week: Week, nowMs: number): Promise<JobOutcome> {
    const doc: WeekDoc = {
      id: weekDocId(week.key),
      pk: monthPartition(channelId, week.month),
      type: 'week',
      channel: channelId,
      month: week.month,
      weekKey: week.key,
      ordinal: week.ordinal,
      status: 'claimed',
      claimedAt: new Date(nowMs).toISOString(),
      claimExpiresAt: new Date(nowMs + CLAIM_MS).toISOString(),
    };
    const claimed = await claim(store, doc, nowMs);
    if ('outcome' in claimed) return claimed.outcome;
    const tag = { type: 'til_weekly_post', id: week.key } as const;
    return postClaimed(
      deps,
      doc,
      claimed,
      nowMs,
      `weekly post ${week.key}`,
      async (alreadyPostedTs) => {
        const ts =
          alreadyPostedTs ??
          (
            await slack.postMessage({
              channel: channelId,
              text: templates.weeklyPost({
                week,
                allowedBlogHosts: config.rules.allowedBlogHosts,
                dashboardUrl: config.dashboardUrl,
                footer: config.weeklyFooter,
              }),
              tag,
            })
          ).ts;
        await recordThread(ts, week);
        return { threadTs: ts };
      },
      tag,
    );
  }

  async function monthlyAward(month: MonthKey, nowMs: number): Promise<JobOutcome> {
    const { postedWeeks, result } = await loadMonth(store, config, month);
    if (postedWeeks.length === 0) return 'nothing-to-award';
    const doc: AwardDoc = {
      id: awardDocId(month),
      pk: monthPartition(channelId, month),
      type: 'award',
      channel: channelId,
      month,
      status: 'claimed',
      claimedAt: new Date(nowMs).toISOString(),
      claimExpiresAt: new Date(nowMs + CLAIM_MS).toISOString(),
    };
    const claimed = await claim(store, doc, nowMs);
    if ('outcome' in claimed) return claimed.outcome;
    const likesOf = new Map(result.members.map((m) => [m.userId, m.likes]));
    const ranked = (ids: string[]) => ids.map((userId) => ({ userId, likes: likesOf.get(userId) ?? 0 }));
    const tag = { type: 'til_monthly_award', id: month } as const;
    return postClaimed(
      deps,
      doc,
      claimed,
      nowMs,
      `monthly award ${month}`,
      async (alreadyPostedTs) => {
        const ts =
          alreadyPostedTs ??
          (
            await slack.postMessage({
              channel: channelId,
              text: templates.monthlyAward({
                month,
                challengers: ranked(result.challengers),
                specialChallengers: ranked(result.specialChallengers),
              }),
              tag,
            })
          ).ts;
        return { messageTs: ts };
      },
      tag,
    );
  }

  return {
    /** Runs whatever is due at `nowMs`: the week's post first, then (first week of a month) last month's award. */
    async runDue(nowMs: number): Promise<TickReport> {
      const due = dueJobs(nowMs, config.postTime, config.rules.timeZone);
      const weekly = due.weeklyPostDue ? await weeklyPost(due.week, nowMs) : 'not-due';
      // The award follows the week's post so it lands below it in the channel.
      const awardReady = due.awardMonth && (weekly === 'posted' || weekly === 'already-posted');
      const award = awardReady && due.awardMonth ? await monthlyAward(due.awardMonth, nowMs) : 'not-due';
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
