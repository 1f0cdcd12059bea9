/**
 * Re-sync from Slack (SPEC 9): Slack does not replay events lost while the app was down or failing, so the threads
 * of the open weeks (and, before an award, of the month's weeks) are read back from Slack, page by page, paced
 * within Tier 3, and whatever the store lacks is enqueued as the events Slack would have delivered
 * (domain/resync.ts), into the sessions Slack's own events go to, to be applied by the same consumer and rules.
 * Each week's standing is a document (`resync:<week>`): a restart, or another instance, reads a thread again only
 * once it is due, and a failure backs off (Retry-After first) and is finished by a later tick.
 */
import { createHash } from 'node:crypto';
import type { OutgoingMessage, QueueSender } from '../adapters/queue/queue.js';
import { SlackCallError, type SlackPort } from '../adapters/slack/slack.js';
import { ConflictError, PreconditionFailedError, type Store, type Stored } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { routingMonthOfTs, weekByKey } from '../domain/calendar.js';
import { countRepairs, resyncEvents, type ThreadSnapshot } from '../domain/resync.js';
import { resyncBackoffMs, resyncDue, weeksOpenForResync } from '../domain/schedule.js';
import type { ChallengeEvent, MonthKey, SlackTs, SubmissionState, UserId, Week } from '../domain/types.js';
import type { ResyncWeekReport, Templates } from '../messages/templates.js';
import { routingTsOf } from '../slack/envelope.js';
import { slackEventOf } from '../slack/syntheticEvent.js';
import {
  type ListedMessage,
  parseReactions,
  parseThreadMessages,
  snapshotReplyOf,
  thumbsUpCutShort,
} from '../slack/threadSnapshot.js';
import type { AdminAlerts } from './adminAlerts.js';
import {
  monthPartition,
  type ResyncDoc,
  resyncDocId,
  type SubmissionDoc,
  submissionDocId,
  type WeekDoc,
  weekDocId,
} from './documents.js';
import { describeError, type Logger } from './logger.js';
import type { MemberDirectory } from './memberDirectory.js';
import type { Pacer } from './pacer.js';
import type { QueuedEvent } from './queuedEvent.js';
import type { SlackHealth } from './slackHealth.js';

/**
 * A snapshot is dated this long before its first request: our clock and Slack's (which dates real events) may
 * differ by a little, and a real event that close to the read is left to win; the next re-sync settles it.
 */
const CLOCK_ALLOWANCE_MS = 10_000;
/** Well above what reading one thread takes (each call gives up within a minute). */
const LEASE_MS = 10 * 60_000;
/** A thread longer than this many pages is not a week's replies; an incomplete read would delete the rest. */
const MAX_PAGES = 50;
/** The award waits for its re-sync's repairs to be applied at most this long. */
const AWARD_WAIT_MS = 30 * 60_000;

export interface ResyncDeps {
  store: Store;
  slack: SlackPort;
  queue: QueueSender;
  config: AppConfig;
  log: Logger;
  alerts: AdminAlerts;
  templates: Templates;
  members: MemberDirectory;
  health: SlackHealth;
  pacer: Pacer;
  /** The real clock: when threads are read, leases and backoff. */
  now: () => number;
}

export interface WeekResync extends ResyncWeekReport {
  /** Slack calls the read took. */
  slackCalls: number;
  /** The synthetic events enqueued. */
  events: number;
}

export interface ResyncRun {
  weeks: WeekResync[];
}

/** A week read, with the ids of what it enqueued (they key the admins' report). */
type WeekRead = WeekResync & { eventIds: string[] };

/** A read that failed: the loop stops (Slack is down or rate-limiting), and the week is tried after its backoff. */
class ResyncFailure extends Error {
  constructor(
    readonly weekKey: string,
    override readonly cause: unknown,
  ) {
    super(`re-sync of ${weekKey} failed: ${describeError(cause)}`);
    this.name = 'ResyncFailure';
  }
}

const msToTs = (ms: number): SlackTs =>
  `${Math.floor(ms / 1000)}.${String(Math.floor(ms % 1000) * 1000).padStart(6, '0')}`;

export function createResync(deps: ResyncDeps) {
  const { store, slack, queue, config, log, pacer, now } = deps;
  const { channelId } = config;
  const timeZone = config.rules.timeZone;
  const intervalMs = config.resyncMinutes * 60_000;

  /** No `stored` when the award reads a week another instance holds: it reads anyway and records nothing. */
  type Lease = { stored?: Stored<ResyncDoc> };
  /** `due`: the tick's, when due and not held; `now`: an admin's, when not held; `award`: always. */
  type Mode = 'due' | 'now' | 'award';

  /**
   * Takes the week's lease. The award does not wait for another instance's read: instances racing for one award
   * then all read the same thread and agree on whether there are repairs to wait for.
   */
  async function lease(week: Week, mode: Mode): Promise<Lease | 'not-due' | 'busy'> {
    const held = await takeLease(week, mode);
    return held === 'busy' && mode === 'award' ? {} : held;
  }

  async function takeLease(week: Week, mode: Mode): Promise<Lease | 'not-due' | 'busy'> {
    const pk = monthPartition(channelId, week.month);
    const id = resyncDocId(week.key);
    const nowMs = now();
    const leaseUntil = new Date(nowMs + LEASE_MS).toISOString();
    const existing = await store.read<ResyncDoc>(pk, id);
    try {
      if (!existing) {
        const fresh: ResyncDoc = { id, pk, type: 'resync', key: week.key, leaseUntil };
        return { stored: await store.create(fresh) };
      }
      const doc = existing.doc;
      if (doc.leaseUntil && Date.parse(doc.leaseUntil) > nowMs) return 'busy';
      const timing = {
        lastCompletedMs: doc.lastCompletedAt ? Date.parse(doc.lastCompletedAt) : undefined,
        nextAttemptMs: doc.nextAttemptAt ? Date.parse(doc.nextAttemptAt) : undefined,
      };
      if (mode === 'due' && !resyncDue(timing, nowMs, intervalMs)) return 'not-due';
      return { stored: await store.replace({ ...doc, leaseUntil }, existing.etag) };
    } catch (error) {
      if (error instanceof ConflictError || error instanceof PreconditionFailedError) return 'busy';
      throw error;
    }
  }

  async function release(held: Lease, update: Partial<ResyncDoc>) {
    if (!held.stored) return;
    const { leaseUntil: _, ...doc } = held.stored.doc;
    await store.replace({ ...doc, ...update }, held.stored.etag);
  }

  /** Every page of the thread, paced; undefined in dry run. */
  async function readThread(threadTs: SlackTs) {
    const asOfTs = msToTs(now() - CLOCK_ALLOWANCE_MS);
    const listed: ListedMessage[] = [];
    let slackCalls = 0;
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES) throw new Error(`thread ${threadTs} has more than ${MAX_PAGES} pages`);
      await pacer.take();
      slackCalls += 1;
      const read = await slack.threadRepliesPage(channelId, threadTs, cursor);
      if (!read) return undefined;
      listed.push(...parseThreadMessages(read.messages));
      cursor = read.nextCursor;
      if (!cursor) break;
    }
    // conversations.replies may list fewer reactors than reacted (count says how many): ask for the full list.
    for (const item of listed) {
      if (!item.message || !thumbsUpCutShort(item.message)) continue;
      await pacer.take();
      slackCalls += 1;
      item.message.reactions = parseReactions(await slack.messageReactions(channelId, item.ts));
    }
    return { asOfTs, listed, slackCalls };
  }

  /** The stored states of the thread's replies (in every month they may be routed to) and of every listed ts. */
  async function storedStates(snapshot: ThreadSnapshot): Promise<SubmissionState[]> {
    const months = new Set<MonthKey>([
      routingMonthOfTs(snapshot.threadTs, timeZone),
      routingMonthOfTs(msToTs(now()), timeZone),
      ...snapshot.replies.map((reply) => routingMonthOfTs(reply.ts, timeZone)),
    ]);
    const states = new Map<SlackTs, SubmissionState>();
    for (const month of months) {
      const replies = await store.query<SubmissionDoc>({
        pk: monthPartition(channelId, month),
        type: 'submission',
        where: { threadTs: snapshot.threadTs },
      });
      for (const { doc } of replies) states.set(doc.state.replyTs, doc.state);
    }
    // A reply known so far only through a 👍 has no threadTs yet.
    for (const reply of snapshot.replies) {
      if (states.has(reply.ts)) continue;
      const pk = monthPartition(channelId, routingMonthOfTs(reply.ts, timeZone));
      const stored = await store.read<SubmissionDoc>(pk, submissionDocId(reply.ts));
      if (stored) states.set(reply.ts, stored.doc.state);
    }
    return [...states.values()];
  }

  /** The app itself and reactors the store knows to be bots: their 👍 are no events (the consumer drops them). */
  async function ignoredReactors(events: ChallengeEvent[]): Promise<Set<UserId>> {
    const ignored = new Set<UserId>();
    const own = await slack.botUserId().catch(() => undefined);
    if (own) ignored.add(own);
    const adders = new Set(events.flatMap((e) => (e.kind === 'reaction' && e.added ? [e.user] : [])));
    for (const user of adders) if ((await deps.members.known(user))?.isBot) ignored.add(user);
    return ignored;
  }

  function queueMessage(event: ChallengeEvent, itemUser: UserId | undefined): OutgoingMessage {
    const raw = slackEventOf(event, itemUser);
    const body: QueuedEvent = { eventId: event.eventId, event: raw };
    return {
      // Stable: a second re-sync of the same snapshot over the same store is a duplicate the queue drops.
      messageId: event.eventId,
      // Where Slack's own event about the same message goes, so it is ordered with it.
      sessionId: routingMonthOfTs(routingTsOf(raw)!, timeZone),
      body,
      contentType: 'application/json',
      applicationProperties: { eventType: raw.type, resync: true },
    };
  }

  async function syncWeek(week: Week, threadTs: SlackTs, mode: Mode): Promise<WeekRead | undefined> {
    const held = await lease(week, mode);
    if (held === 'not-due') return undefined;
    if (held === 'busy') return { week, outcome: 'busy', slackCalls: 0, events: 0, eventIds: [] };
    let slackCalls = 0;
    try {
      const read = await readThread(threadTs);
      if (!read) {
        // Dry run: nothing to read, and nothing to try again before the interval.
        await release(held, { lastCompletedAt: new Date(now()).toISOString() });
        return { week, outcome: 'no-slack', slackCalls: 1, events: 0, eventIds: [] };
      }
      slackCalls = read.slackCalls;
      const own = await slack.botUserId().catch(() => undefined);
      const ctx = { channelId, botUserId: own };
      const replies = read.listed.flatMap((item) => {
        const reply = item.message && snapshotReplyOf(item.message, threadTs, ctx);
        return reply ? [reply] : [];
      });
      const snapshot: ThreadSnapshot = {
        channel: channelId,
        threadTs,
        asOfTs: read.asOfTs,
        replies,
        listedTs: read.listed.map((item) => item.ts),
      };
      const stored = await storedStates(snapshot);
      const naive = resyncEvents(snapshot, stored);
      const events = resyncEvents(snapshot, stored, { ignoredReactors: await ignoredReactors(naive) });
      const authors = new Map(replies.map((reply) => [reply.ts, reply.user]));
      for (const event of events) {
        await queue.send(
          queueMessage(event, event.kind === 'reaction' ? authors.get(event.itemTs) : undefined),
        );
      }
      const repairs = countRepairs(events);
      await release(held, {
        lastCompletedAt: new Date(now()).toISOString(),
        failures: 0,
        nextAttemptAt: undefined,
        lastError: undefined,
      });
      const line = `re-sync ${week.key}: ${read.listed.length} messages in ${slackCalls} Slack calls`;
      if (events.length > 0) log.warn(`${line}; repaired ${JSON.stringify(repairs)}`);
      else log.info(`${line}; the store was in line`);
      const eventIds = events.map((e) => e.eventId);
      return { week, outcome: 'read', repairs, slackCalls, events: events.length, eventIds };
    } catch (error) {
      deps.health.failed(error);
      const failures = (held.stored?.doc.failures ?? 0) + 1;
      const retryAfterMs = error instanceof SlackCallError ? error.retryAfterMs : undefined;
      await release(held, {
        failures,
        nextAttemptAt: new Date(now() + resyncBackoffMs(failures, intervalMs, retryAfterMs)).toISOString(),
        lastError: describeError(error),
      }).catch((releaseError) =>
        log.warn(`re-sync ${week.key}: could not record the failure: ${describeError(releaseError)}`),
      );
      throw new ResyncFailure(week.key, error);
    }
  }

  async function postedThread(week: Week): Promise<SlackTs | undefined> {
    const stored = await store.read<WeekDoc>(monthPartition(channelId, week.month), weekDocId(week.key));
    return stored?.doc.status === 'posted' ? stored.doc.threadTs : undefined;
  }

  /**
   * Re-syncs `weeks` in order, stopping at the first failure (Slack is down or limiting: the rest waits too), and
   * reports the repairs to the admins in one message, keyed by the repairs themselves so the same ones (a re-sync
   * of the same snapshot before they were applied) are reported once.
   */
  async function run(weeks: Week[], mode: Mode): Promise<ResyncRun & { failure?: ResyncFailure }> {
    const done: WeekRead[] = [];
    let failure: ResyncFailure | undefined;
    for (const week of weeks) {
      const threadTs = await postedThread(week);
      if (!threadTs) {
        if (mode === 'now')
          done.push({ week, outcome: 'not-posted', slackCalls: 0, events: 0, eventIds: [] });
        continue;
      }
      try {
        const result = await syncWeek(week, threadTs, mode);
        if (result) done.push(result);
      } catch (error) {
        if (!(error instanceof ResyncFailure)) throw error;
        log.error(error.message);
        done.push({ week, outcome: 'failed', slackCalls: 0, events: 0, eventIds: [] });
        failure = error;
        break;
      }
    }
    await report(done);
    return { weeks: done.map(({ eventIds: _, ...week }) => week), ...(failure && { failure }) };
  }

  async function report(done: WeekRead[]) {
    const repaired = done.filter((w) => w.events > 0);
    if (repaired.length === 0) return;
    const ids = repaired.flatMap((w) => w.eventIds).sort();
    const key = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 24);
    const weeks = repaired.map(({ week, outcome, repairs }) => ({ week, outcome, repairs }));
    await deps.alerts
      .resyncRepaired({ weeks }, key)
      .catch((error) => log.error(`re-sync: could not report the repairs: ${describeError(error)}`));
  }

  /** The month's award waits while a re-sync finds repairs, at most AWARD_WAIT_MS (kept in the store). */
  async function awardMayDecide(month: MonthKey, repairing: boolean): Promise<boolean> {
    if (!repairing) return true;
    const pk = monthPartition(channelId, month);
    const id = resyncDocId(`award:${month}`);
    const existing = await store.read<ResyncDoc>(pk, id);
    const since = existing?.doc.repairingSince;
    if (since) return now() - Date.parse(since) >= AWARD_WAIT_MS;
    const doc: ResyncDoc = {
      id,
      pk,
      type: 'resync',
      key: `award:${month}`,
      repairingSince: new Date(now()).toISOString(),
    };
    await (existing ? store.replace(doc, existing.etag) : store.create(doc)).catch((error: unknown) => {
      if (!(error instanceof ConflictError || error instanceof PreconditionFailedError)) throw error;
    });
    return false;
  }

  return {
    /** The scheduled share of a tick: the weeks open at `nowMs` whose re-sync is due. */
    async runDue(nowMs: number): Promise<ResyncRun> {
      // The outbox sweep just found Slack failing: this tick leaves it alone.
      if (deps.health.looksDown()) return { weeks: [] };
      const { weeks } = await run(weeksOpenForResync(nowMs, timeZone), 'due');
      // A dry run has no Slack to read: nothing to report at every tick.
      return { weeks: weeks.filter((w) => w.outcome !== 'no-slack') };
    },

    /** `/til admin resync`: the open weeks now, due or not; what each did, for the admin. */
    async resyncNow(): Promise<string> {
      const { weeks } = await run(weeksOpenForResync(now(), timeZone), 'now');
      return deps.templates.resyncSummary({
        weeks: weeks.map(({ week, outcome, repairs }) => ({ week, outcome, repairs })),
      });
    },

    /**
     * Before `month`'s award: every posted week of the month is re-read. Resolves true when the award may decide
     * (the store is in line with Slack, or the repairs have been waited for long enough), false while the repairs
     * just enqueued are still to be applied; throws when Slack could not be read (the award job fails this tick).
     */
    async beforeAward(month: MonthKey): Promise<boolean> {
      // Slack was just seen failing: wait (the award could not be posted anyway).
      if (deps.health.looksDown()) return false;
      const weeks = await store.query<WeekDoc>({ pk: monthPartition(channelId, month), type: 'week' });
      const posted = weeks
        .map(({ doc }) => weekByKey(doc.weekKey, timeZone))
        .sort((a, b) => a.startMs - b.startMs);
      const { weeks: done, failure } = await run(posted, 'award');
      if (failure) throw failure.cause;
      return awardMayDecide(
        month,
        done.some((w) => w.events > 0),
      );
    },
  };
}

export type Resync = ReturnType<typeof createResync>;
