import { DateTime } from 'luxon';
import type { SlackPort } from '../adapters/slack/slack.js';
import { ConflictError, type Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { AppConfig } from '../config.js';
import { routingMonthOfTs, weekByKey } from '../domain/calendar.js';
import { withExclusion } from '../domain/exclusion.js';
import type { MonthKey, SlackTs, UserId, Week } from '../domain/types.js';
import { changeWeekRules, effectiveWeek, type WeekRules } from '../domain/weekRules.js';
import type { Templates } from '../messages/templates.js';
import type { AdminActionMessage, AdminChange } from './adminActionMessage.js';
import {
  type AuditDoc,
  auditDocId,
  auditPartition,
  type WeekRulesDoc,
  weekRulesDocId,
} from './adminDocuments.js';
import {
  type MonthSummaryDoc,
  monthPartition,
  monthSummaryDocId,
  type SubmissionDoc,
  submissionDocId,
} from './documents.js';
import type { ProcessOutcome } from './eventProcessor.js';
import { describeError, type Logger } from './logger.js';
import { weekRulesOf } from './weekCalendar.js';

/** What an admin change came to; the templates word it. */
export type AdminActionResult =
  | { ok: false; reason: 'not_admin' }
  | { ok: false; reason: 'no_submission'; replyTs: SlackTs }
  | { ok: false; reason: 'other_channel'; channel: string }
  | { ok: true; change: AdminChange; changed: boolean; week?: Week; replyTs?: SlackTs };

/** The audit trail's view of one entry, newest first in `/til admin log`. */
export interface AuditEntry {
  actor: UserId;
  at: string;
  what: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

/** How `log` and the audit's `what` name a change, language-neutral (keys, ts, local deadline). */
export function describeChange(change: AdminChange, timeZone: string): string {
  switch (change.kind) {
    case 'skip':
    case 'unskip':
      return `${change.kind} ${change.weekKey}`;
    case 'extend':
      return `extend ${change.weekKey} ${DateTime.fromMillis(change.deadlineMs, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm')}`;
    case 'exclude':
    case 'include':
      return `${change.kind} ${change.replyTs}`;
  }
}

const weekRulesView = (rules: WeekRules, zone: string) => ({
  skipped: rules.skipped,
  ...(rules.extendedDeadlineMs !== undefined && {
    deadline: DateTime.fromMillis(rules.extendedDeadlineMs, { zone }).toISO(),
  }),
});

/**
 * The audit trail (SPEC 9: who, when, what, before, after), one document per admin action, id'd by the action:
 * a redelivered action finds its record and answers from it. Kept in its own partition.
 */
export function createAuditTrail(deps: { store: Store; channelId: string }) {
  const { store } = deps;
  const pk = auditPartition(deps.channelId);
  return {
    /** Records an action once; returns the record that stands (the earlier one on a redelivery). */
    async record(actionId: string, entry: AuditEntry): Promise<AuditEntry> {
      const doc: AuditDoc = {
        id: auditDocId(actionId),
        pk,
        type: 'audit',
        channel: deps.channelId,
        actionId,
        ...entry,
      };
      try {
        await store.create(doc);
        return entry;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        const kept = await store.read<AuditDoc>(pk, doc.id);
        return kept ? auditEntryOf(kept.doc) : entry;
      }
    },
    async find(actionId: string): Promise<AuditEntry | undefined> {
      const kept = await store.read<AuditDoc>(pk, auditDocId(actionId));
      return kept && auditEntryOf(kept.doc);
    },
    /** The latest `limit` actions, newest first. */
    async recent(limit: number): Promise<AuditEntry[]> {
      const docs = await store.query<AuditDoc>({ pk, type: 'audit' });
      return docs
        .map(({ doc }) => doc)
        .sort((a, b) => b.at.localeCompare(a.at) || b.actionId.localeCompare(a.actionId))
        .slice(0, limit)
        .map(auditEntryOf);
    },
  };
}

const auditEntryOf = ({ actor, at, what, before, after, changed }: AuditDoc): AuditEntry => ({
  actor,
  at,
  what,
  before,
  after,
  changed,
});

export type AuditTrail = ReturnType<typeof createAuditTrail>;

/**
 * Applies admin changes taken from the queue, in the session of the month concerned. The audit record is written
 * first (create-if-absent, before/after as computed from what is stored), then the change: both are idempotent, so
 * a redelivery after a crash anywhere re-applies the same change and answers from the first record. A change in a
 * month whose history summary was kept makes that summary stale, so /api/history recomputes it.
 */
export function createAdminActions(deps: {
  store: Store;
  slack: SlackPort;
  config: AppConfig;
  templates: Templates;
  audit: AuditTrail;
  log: Logger;
}) {
  const { store, slack, config, templates, audit, log } = deps;
  const { channelId, rules } = config;
  const zone = rules.timeZone;
  const isAdmin = (userId: UserId) => config.adminUserIds.includes(userId);

  async function staleSummary(month: MonthKey) {
    await updateDocument<MonthSummaryDoc>(
      store,
      monthPartition(channelId, month),
      monthSummaryDocId(month),
      (current) => (current && current.version !== -1 ? { ...current, version: -1 } : undefined),
    );
  }

  async function changeWeek(message: AdminActionMessage, change: Extract<AdminChange, { weekKey: string }>) {
    const week = weekByKey(change.weekKey, zone);
    const pk = monthPartition(channelId, week.month);
    const id = weekRulesDocId(week.key);
    const domainChange =
      change.kind === 'extend'
        ? { kind: 'extend' as const, deadlineMs: change.deadlineMs }
        : { kind: change.kind };
    const before = weekRulesOf((await store.read<WeekRulesDoc>(pk, id))?.doc);
    const after = changeWeekRules(before, domainChange);
    const entry = await audit.record(message.actionId, {
      actor: message.actor,
      at: new Date(message.atMs).toISOString(),
      what: describeChange(change, zone),
      before: weekRulesView(before, zone),
      after: weekRulesView(after, zone),
      changed: after !== before,
    });
    await updateDocument<WeekRulesDoc>(store, pk, id, (current) => {
      const now = weekRulesOf(current);
      const next = changeWeekRules(now, domainChange);
      if (next === now) return undefined;
      const { extendedDeadlineMs } = next;
      return {
        id,
        pk,
        type: 'weekRules',
        channel: channelId,
        month: week.month,
        weekKey: week.key,
        skipped: next.skipped,
        ...(extendedDeadlineMs !== undefined && {
          extendedDeadline: DateTime.fromMillis(extendedDeadlineMs, { zone }).toISO()!,
        }),
        updatedAt: new Date(message.atMs).toISOString(),
      };
    });
    await staleSummary(week.month);
    return { ok: true as const, change, changed: entry.changed, week: effectiveWeek(week, after, zone) };
  }

  async function changeSubmission(
    message: AdminActionMessage,
    change: Extract<AdminChange, { replyTs: string }>,
  ) {
    if (change.channel !== channelId)
      return { ok: false as const, reason: 'other_channel' as const, channel: change.channel };
    const month = routingMonthOfTs(change.replyTs, zone);
    const pk = monthPartition(channelId, month);
    const id = submissionDocId(change.replyTs);
    const stored = await store.read<SubmissionDoc>(pk, id);
    if (!stored?.doc.state.author || !stored.doc.weekKey) {
      return { ok: false as const, reason: 'no_submission' as const, replyTs: change.replyTs };
    }
    const excluded = change.kind === 'exclude';
    const before = stored.doc.state.excluded === true;
    const entry = await audit.record(message.actionId, {
      actor: message.actor,
      at: new Date(message.atMs).toISOString(),
      what: describeChange(change, zone),
      before: { excluded: before },
      after: { excluded },
      changed: before !== excluded,
    });
    // Only the flag changes, and no effect is queued: excluding drops a broadcast still pending (it no longer
    // counts when performed), including again announces nothing, as the member's week was announced or claimed.
    await updateDocument<SubmissionDoc>(store, pk, id, (current) => {
      if (!current) return undefined;
      const state = withExclusion(current.state, excluded);
      return state === current.state ? undefined : { ...current, state };
    });
    await staleSummary(month);
    return { ok: true as const, change, changed: entry.changed, replyTs: change.replyTs };
  }

  async function apply(message: AdminActionMessage): Promise<AdminActionResult> {
    // Checked again here: a queue message is only as trustworthy as whoever could send it.
    if (!isAdmin(message.actor)) return { ok: false, reason: 'not_admin' };
    const { change } = message;
    return 'weekKey' in change ? changeWeek(message, change) : changeSubmission(message, change);
  }

  return {
    apply,
    /** The queue consumer's entry: applies, then answers the admin (an answer that fails is only logged). */
    async process(message: AdminActionMessage): Promise<ProcessOutcome> {
      const result = await apply(message);
      await slack
        .respond(message.responseUrl, { text: templates.adminActionAnswer(result) })
        .catch((error: unknown) =>
          log.warn(`admin action ${message.actionId}: could not answer the admin: ${describeError(error)}`),
        );
      return result.ok
        ? { applied: true, effects: 0 }
        : { applied: false, ignored: `admin action refused: ${result.reason}` };
    },
  };
}

export type AdminActions = ReturnType<typeof createAdminActions>;

/** Whether a queue body is an admin action (routed to AdminActions instead of the event processor). */
export const isAdminActionBody = (body: unknown) =>
  typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'admin_action';
