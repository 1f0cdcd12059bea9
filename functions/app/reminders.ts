import { randomUUID } from 'node:crypto';
import { SlackCallError, type SlackPort } from '../adapters/slack/slack.js';
import { ConflictError, type Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { previousMonth, weekByKey } from '../domain/calendar.js';
import { effectivePasses } from '../domain/passes.js';
import { type MemberWeekRecord, reminderRecipients } from '../domain/reminders.js';
import type { MonthKey, UserId, Week } from '../domain/types.js';
import type { Templates } from '../messages/templates.js';
import type { AdminAlerts } from './adminAlerts.js';
import {
  type MemberPrefsDoc,
  memberPartition,
  monthPartition,
  type ReminderDoc,
  type ReminderEntry,
  reminderDocId,
} from './documents.js';
import { describeError, type Logger } from './logger.js';
import { loadMemberWeeks } from './memberWeeks.js';
import { loadMonth } from './monthStats.js';
import type { OutboxRunner, Performer } from './outbox.js';

/** SPEC 8: reminders go out no faster than one a second. */
export const REMINDER_INTERVAL_MS = 1000;

/** What one run of the reminder job did. */
export interface ReminderReport {
  /** Members due a reminder this week (active, no submission, no pass, not opted out). */
  due: number;
  /** Claimed by this run and sent. */
  sent: number;
  /** Claimed earlier (another tick, an earlier run): left to that claim and the sweep. */
  alreadyClaimed: number;
  /** Claimed by this run, but the DM failed: the sweep retries it until the deadline. */
  failed: number;
  /** Not reached within the run's budget: the next tick goes on. */
  deferred: number;
}

export interface RemindersDeps {
  store: Store;
  slack: SlackPort;
  config: AppConfig;
  templates: Templates;
  alerts: AdminAlerts;
  outbox: OutboxRunner;
  log: Logger;
  /** The real clock: claims, pacing and "never after the deadline" go by it, whatever instant a tick is for. */
  now: () => number;
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The months whose posted weeks can hold the four posted weeks before `week` (and `week` itself). */
const monthsBack = (week: Week): MonthKey[] => {
  const previous = previousMonth(week.month);
  return [previousMonth(previous), previous, week.month];
};

/**
 * The weekly reminder (SPEC 8). Each member's DM is claimed by creating its reminder document (create-if-absent:
 * of concurrent ticks, instances or restarts exactly one creates it) with the DM in its outbox, then performed
 * through the outbox runner: one performer at a time, a send that may have reached Slack looked up by its tag
 * before sending again, retried by the sweep, and dropped once the member submitted, passed or opted out, or the
 * deadline passed.
 */
export function createReminders(deps: RemindersDeps) {
  const { store, slack, config, templates, alerts, outbox, log, now } = deps;
  const { channelId, rules } = config;
  const intervalMs = deps.intervalMs ?? REMINDER_INTERVAL_MS;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  /** When the last reminder of this process was sent: runs (and ticks) share one pace. */
  let lastSentMs = Number.NEGATIVE_INFINITY;
  let pacing: Promise<void> = Promise.resolve();

  /** Waits for this process's turn to send: one send per interval, whatever runs ask at once. */
  function paced(): Promise<void> {
    const turn = pacing.then(async () => {
      const wait = lastSentMs + intervalMs - now();
      if (wait > 0) await sleep(wait);
      lastSentMs = now();
    });
    pacing = turn.catch(() => {});
    return turn;
  }

  async function optedOut(): Promise<Set<UserId>> {
    const docs = await store.query<MemberPrefsDoc>({
      pk: memberPartition(channelId),
      type: 'memberPrefs',
      where: { reminders: false },
    });
    return new Set(docs.map(({ doc }) => doc.userId));
  }

  /** Who is due `week`'s reminder; nobody when the week is not posted (no thread) or skipped. */
  async function recipients(week: Week): Promise<UserId[]> {
    const [months, off] = await Promise.all([
      Promise.all(monthsBack(week).map((month) => loadMonth(store, config, month, log))),
      optedOut(),
    ]);
    // A skipped week (SPEC 9) is nobody's duty: it neither makes a member active nor gets a reminder.
    const postedWeeks = months.flatMap((m) =>
      m.postedWeeks.filter((p) => !p.week.skipped).map((p) => p.week.key),
    );
    const members: MemberWeekRecord[] = months.flatMap((m) => m.result.members);
    return reminderRecipients({ week: week.key, postedWeeks, members, optedOut: off });
  }

  /** Whether the member still needs the reminder: no submission or pass since, reminders on, deadline ahead. */
  async function stillDue(entry: ReminderEntry): Promise<boolean> {
    const week = weekByKey(entry.weekKey, rules.timeZone);
    if (now() > week.deadlineMs) return false;
    const [standing, off] = await Promise.all([
      loadMemberWeeks(store, config, entry.userId, [week.month]),
      optedOut(),
    ]);
    const inForce = effectivePasses(standing.passes, standing.takenPart);
    return !off.has(entry.userId) && !standing.takenPart.has(week.key) && !inForce.has(week.key);
  }

  const performer: Performer<ReminderDoc, ReminderEntry> = {
    stillWanted: (entry) => stillDue(entry),

    async perform(entry, _doc, attempt) {
      const week = weekByKey(entry.weekKey, rules.timeZone);
      const tag = { type: 'til_reminder', id: entry.id } as const;
      const weekStartTs = String(Math.floor(week.startMs / 1000));
      if (entry.sendStarted && (await slack.findTaggedDirectMessage(entry.userId, tag, weekStartTs))) return;
      const posted = (await loadMonth(store, config, week.month, log)).postedWeeks.find(
        (p) => p.week.key === week.key,
      );
      const text = templates.reminder({
        week,
        threadUrl: posted?.doc.threadUrl,
        passesOn: config.passesPerMonth > 0,
      });
      await attempt.sendStarting();
      await slack.sendDirectMessage(entry.userId, text, tag);
    },

    async dropped(entry, doc, drop) {
      if (drop.kind !== 'given-up') return undefined;
      const error = drop.error;
      await alerts.slackCallFailed(
        {
          method: error instanceof SlackCallError ? error.method : 'reminder',
          reason: error instanceof SlackCallError ? error.code : describeError(error),
        },
        `${doc.id}:${entry.id}`,
      );
      return undefined;
    },
  };

  /** Creates the member's reminder claim; false when it exists (claimed by another tick or an earlier run). */
  async function claim(week: Week, userId: UserId): Promise<ReminderDoc | undefined> {
    const id = reminderDocId(week.key, userId);
    const doc: ReminderDoc = {
      id,
      pk: monthPartition(channelId, week.month),
      type: 'reminder',
      channel: channelId,
      month: week.month,
      weekKey: week.key,
      userId,
      claimedAt: new Date(now()).toISOString(),
      outbox: [{ kind: 'reminder', id, weekKey: week.key, userId }],
      pendingEffects: true,
    };
    try {
      await store.create(doc);
      return doc;
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }

  return {
    performer,
    /** The sweep's source of reminders whose DM is still pending (a failure, a crash after the claim). */
    sweepSource: { query: { type: 'reminder' }, performer },

    /**
     * Sends `week`'s due reminders (the caller has checked REMINDER_AT against the tick's instant), paced, within
     * `budgetMs` of real time; what is left is the next tick's. Only a posted week is reminded of (it has a thread).
     */
    async run(week: Week, budgetMs: number): Promise<ReminderReport> {
      const report: ReminderReport = { due: 0, sent: 0, alreadyClaimed: 0, failed: 0, deferred: 0 };
      // Never after the deadline by the real clock either: an operator's tick for an old instant sends nothing.
      if (now() > week.deadlineMs) return report;
      const users = await recipients(week);
      report.due = users.length;
      const stopAt = now() + budgetMs;
      const owner = `reminders:${randomUUID()}`;
      for (const [index, userId] of users.entries()) {
        if (now() > stopAt) {
          report.deferred = users.length - index;
          break;
        }
        const existing = await store.read<ReminderDoc>(
          monthPartition(channelId, week.month),
          reminderDocId(week.key, userId),
        );
        if (existing) {
          report.alreadyClaimed += 1;
          continue;
        }
        await paced();
        const claimed = await claim(week, userId);
        if (!claimed) {
          report.alreadyClaimed += 1;
          continue;
        }
        const drained = await outbox.drain({ pk: claimed.pk, id: claimed.id }, owner, performer);
        if (drained.performed > 0) report.sent += 1;
        else if (drained.failed > 0) report.failed += 1;
        if (drained.outage) {
          // Slack is down: the rest waits for the next tick rather than failing one by one.
          report.deferred = users.length - index - 1;
          break;
        }
      }
      if (report.sent + report.failed > 0) log.info(`reminders ${week.key}: ${JSON.stringify(report)}`);
      return report;
    },
  };
}

export type Reminders = ReturnType<typeof createReminders>;
