import { randomUUID } from 'node:crypto';
import { isRetryable, mayHavePosted, SlackCallError } from '../adapters/slack/slack.js';
import type { Doc, DocQuery, Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { EffectAttempts, OutboxLease } from './documents.js';
import { describeError, type Logger } from './logger.js';
import type { SlackHealth } from './slackHealth.js';

/**
 * The outbox: side effects recorded in a document in the same write as the state change that causes them, then
 * performed, each removed once done. A failed effect never undoes or holds back the state change: it stays in the
 * outbox with its next attempt backed off, and is retried by the next drain of its document (the next event
 * about it) or by the scheduled sweep. Only one performer at a time drains a document (a lease, taken with the
 * document's ETag), so a sweep and an event, or two sweeps, never perform one effect twice.
 */

/** The retry policy for effects (and admin alerts): see docs/architecture.md, "Exactly once, in effect". */
export const EFFECT_RETRY = {
  firstDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  /** A failure that may heal by itself (Slack down, rate limited, token revoked) is retried this long. */
  giveUpAfterMs: 24 * 60 * 60_000,
  /** A refusal that needs someone to act (not_in_channel, user_not_found) gets this many attempts. */
  refusalAttempts: 5,
} as const;

/** Longer than an attempt at one effect can take (a few Slack calls, each giving up within a minute). */
export const OUTBOX_LEASE_MS = 10 * 60_000;

export interface DocRef {
  pk: string;
  id: string;
}

export type OutboxItem = EffectAttempts & { id: string };

export interface OutboxDoc<E extends OutboxItem> extends Doc {
  outbox: E[];
  pendingEffects?: true;
  outboxLease?: OutboxLease;
}

/** `doc` with `outbox`, and the flag the sweep queries on kept in step with it. */
export function withOutbox<D extends OutboxDoc<E>, E extends OutboxItem>(doc: D, outbox: E[]): D {
  const { pendingEffects: _, ...rest } = doc;
  return (outbox.length > 0 ? { ...rest, outbox, pendingEffects: true } : { ...rest, outbox }) as D;
}

export const isDue = (entry: EffectAttempts, nowMs: number) =>
  entry.nextAttemptAt === undefined || Date.parse(entry.nextAttemptAt) <= nowMs;

export type Drop = { kind: 'unwanted' } | { kind: 'given-up'; error: unknown };

/** What to do with the effects of one kind of document. */
export interface Performer<D extends OutboxDoc<E>, E extends OutboxItem> {
  /** Whether the effect is still wanted, judged on the document as it is now (a reply deleted since: no). */
  stillWanted(entry: E, doc: D): Promise<boolean>;
  /** Performs it; calls `sendStarting` just before a send that would have to be looked up if it failed. */
  perform(entry: E, doc: D, attempt: { sendStarting(): Promise<void> }): Promise<void>;
  /** It leaves the outbox unperformed. May name another document whose outbox it added to, to drain next. */
  dropped(entry: E, doc: D, drop: Drop): Promise<DocRef | undefined>;
}

export interface DrainReport {
  performed: number;
  failed: number;
  dropped: number;
  /** Another performer holds the document's lease: it does the work. */
  busy: number;
  /** Not attempted: Slack failed as if down a moment ago (see DrainOptions.holdWhileSlackIsDown). */
  deferred: number;
  /** An attempt failed in a way that says Slack is still down (retryable): a sweep stops there. */
  outage: boolean;
}

const emptyReport = (): DrainReport => ({
  performed: 0,
  failed: 0,
  dropped: 0,
  busy: 0,
  deferred: 0,
  outage: false,
});

function addReport(into: DrainReport, from: DrainReport) {
  into.performed += from.performed;
  into.failed += from.failed;
  into.dropped += from.dropped;
  into.busy += from.busy;
  into.deferred += from.deferred;
  into.outage ||= from.outage;
}

/** The attempts after a failure: the next one backed off, or given up (too long, or too many refusals). */
export function afterFailure(
  entry: EffectAttempts,
  error: unknown,
  nowMs: number,
  sentThisAttempt: boolean,
): { giveUp: true } | { giveUp: false; attempts: EffectAttempts } {
  const failedAttempts = (entry.failedAttempts ?? 0) + 1;
  const firstFailedAt = entry.firstFailedAt ?? new Date(nowMs).toISOString();
  const transient = isRetryable(error);
  const giveUp = transient
    ? nowMs - Date.parse(firstFailedAt) >= EFFECT_RETRY.giveUpAfterMs
    : failedAttempts >= EFFECT_RETRY.refusalAttempts;
  if (giveUp) return { giveUp: true };
  const delayMs = Math.min(EFFECT_RETRY.maxDelayMs, EFFECT_RETRY.firstDelayMs * 2 ** (failedAttempts - 1));
  // A send this attempt made may have posted; an earlier one's mark stands unless this attempt looked it up
  // (found nothing) and sent again.
  const sendStarted = sentThisAttempt ? mayHavePosted(error) : entry.sendStarted === true;
  return {
    giveUp: false,
    attempts: {
      failedAttempts,
      firstFailedAt,
      nextAttemptAt: new Date(nowMs + delayMs).toISOString(),
      lastError: describeError(error),
      transient: transient || undefined,
      sendStarted: sendStarted || undefined,
    },
  };
}

export interface DrainOptions {
  /** Attempt entries whose backoff has not run out yet too (an admin alert raised again). */
  ignoreBackoff?: boolean;
  /** Attempt entries backed off after a failure that may heal by itself too (Slack was just seen working). */
  includeTransient?: boolean;
  /**
   * Leave the effects for later while Slack looks down (app/slackHealth.ts): during an outage each event then
   * costs no Slack call and no wait; the sweep probes Slack at the next tick and performs what was left.
   */
  holdWhileSlackIsDown?: boolean;
}

export function createOutboxRunner(deps: {
  store: Store;
  now: () => number;
  log: Logger;
  health: SlackHealth;
}) {
  const { store, now, log, health } = deps;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function lease<D extends OutboxDoc<E>, E extends OutboxItem>(
    ref: DocRef,
    owner: string,
    due: (entry: E) => boolean,
  ): Promise<'leased' | 'busy' | 'nothing-due'> {
    const nowMs = now();
    let busy = false;
    const result = await updateDocument<D>(store, ref.pk, ref.id, (current) => {
      if (!current?.outbox.some(due)) return undefined;
      const held = current.outboxLease;
      busy = held !== undefined && held.owner !== owner && Date.parse(held.until) > nowMs;
      return busy ? undefined : { ...current, outboxLease: { owner, until: iso(nowMs + OUTBOX_LEASE_MS) } };
    });
    if (result.stored?.doc.outboxLease?.owner === owner) return 'leased';
    return busy ? 'busy' : 'nothing-due';
  }

  /** Rewrites (or, given undefined, removes) one entry, renewing the lease while it is still ours. */
  async function updateEntry<D extends OutboxDoc<E>, E extends OutboxItem>(
    ref: DocRef,
    owner: string,
    entryId: string,
    update: (entry: E) => E | undefined,
  ) {
    await updateDocument<D>(store, ref.pk, ref.id, (current) => {
      if (!current) return undefined;
      const outbox = current.outbox.flatMap((e) => {
        if (e.id !== entryId) return [e];
        const updated = update(e);
        return updated ? [updated] : [];
      });
      const renewed =
        current.outboxLease?.owner === owner
          ? { ...current, outboxLease: { owner, until: iso(now() + OUTBOX_LEASE_MS) } }
          : current;
      return withOutbox<D, E>(renewed, outbox);
    });
  }

  async function unlease<D extends OutboxDoc<E>, E extends OutboxItem>(ref: DocRef, owner: string) {
    await updateDocument<D>(store, ref.pk, ref.id, (current) => {
      if (current?.outboxLease?.owner !== owner) return undefined;
      const { outboxLease: _, ...rest } = current;
      return rest as D;
    });
  }

  /**
   * Performs the due effects of one document under its lease, one at a time, each recorded as done, dropped or
   * failed (backed off) before the next. Store failures are thrown (the caller's message is retried); Slack's
   * never are. Effects added meanwhile by an event that found the lease taken are performed too.
   */
  async function drain<D extends OutboxDoc<E>, E extends OutboxItem>(
    ref: DocRef,
    owner: string,
    performer: Performer<D, E>,
    options: DrainOptions = {},
  ): Promise<DrainReport> {
    const report = emptyReport();
    const attempted = new Set<string>();
    const followUps: DocRef[] = [];
    const due = (entry: E) =>
      !attempted.has(entry.id) &&
      (options.ignoreBackoff ||
        isDue(entry, now()) ||
        (options.includeTransient === true && entry.transient === true));
    const holding = () => options.holdWhileSlackIsDown === true && health.looksDown();
    for (let round = 0; round < 3; round++) {
      if (holding()) {
        report.deferred += 1;
        break;
      }
      const leased = await lease<D, E>(ref, owner, due);
      if (leased === 'busy') report.busy += 1;
      if (leased !== 'leased') break;
      try {
        for (;;) {
          const current = await store.read<D>(ref.pk, ref.id);
          const entry = current?.doc.outbox.find(due);
          if (!current || !entry) break;
          if (holding()) {
            report.deferred += 1;
            break;
          }
          attempted.add(entry.id);
          const next = await attempt(ref, owner, performer, current.doc, entry, report);
          if (next) followUps.push(next);
        }
      } finally {
        await unlease<D, E>(ref, owner);
      }
    }
    for (const next of followUps) addReport(report, await drain(next, owner, performer, options));
    return report;
  }

  async function attempt<D extends OutboxDoc<E>, E extends OutboxItem>(
    ref: DocRef,
    owner: string,
    performer: Performer<D, E>,
    doc: D,
    entry: E,
    report: DrainReport,
  ): Promise<DocRef | undefined> {
    if (!(await performer.stillWanted(entry, doc))) {
      const next = await performer.dropped(entry, doc, { kind: 'unwanted' });
      await updateEntry<D, E>(ref, owner, entry.id, () => undefined);
      report.dropped += 1;
      return next;
    }
    let sentThisAttempt = false;
    try {
      await performer.perform(entry, doc, {
        sendStarting: async () => {
          sentThisAttempt = true;
          if (!entry.sendStarted)
            await updateEntry<D, E>(ref, owner, entry.id, (e) => ({ ...e, sendStarted: true }));
        },
      });
    } catch (error) {
      report.outage ||= error instanceof SlackCallError && error.retryable;
      health.failed(error);
      const outcome = afterFailure(entry, error, now(), sentThisAttempt);
      if (!outcome.giveUp) {
        log.warn(
          `${ref.id}: ${entry.id} failed (attempt ${outcome.attempts.failedAttempts}), next at ${outcome.attempts.nextAttemptAt}: ${describeError(error)}`,
        );
        await updateEntry<D, E>(ref, owner, entry.id, (e) => ({ ...e, ...outcome.attempts }));
        report.failed += 1;
        return undefined;
      }
      log.error(
        `${ref.id}: giving up ${entry.id} after ${(entry.failedAttempts ?? 0) + 1} attempts: ${describeError(error)}`,
      );
      const next = await performer.dropped(entry, doc, { kind: 'given-up', error });
      await updateEntry<D, E>(ref, owner, entry.id, () => undefined);
      report.dropped += 1;
      return next;
    }
    await updateEntry<D, E>(ref, owner, entry.id, () => undefined);
    report.performed += 1;
    return undefined;
  }

  /**
   * The scheduled sweep: drains every document of `sources` with a due effect, earliest first, until `budgetMs`
   * is spent. It stops at the first sign that Slack is still down, so an outage costs one failing attempt per
   * tick, not one per pending effect. When nothing is due but effects wait for Slack to come back, the earliest
   * is tried anyway, as a probe; once an effect has gone through, Slack works, and every effect backed off while
   * it was down is attempted at once rather than at the end of its (up to 30-minute) backoff.
   */
  async function sweep(
    sources: { query: DocQuery; performer: Performer<OutboxDoc<OutboxItem>, OutboxItem> }[],
    budgetMs: number,
  ): Promise<DrainReport> {
    const owner = `sweep:${randomUUID()}`;
    const report = emptyReport();
    const deadline = Date.now() + budgetMs;
    const nowMs = now();
    const candidates: {
      doc: OutboxDoc<OutboxItem>;
      next: number;
      performer: (typeof sources)[number]['performer'];
    }[] = [];
    for (const { query, performer } of sources) {
      const found = await store.query<OutboxDoc<OutboxItem>>({
        ...query,
        where: { ...query.where, pendingEffects: true },
      });
      for (const { doc } of found) {
        const next = Math.min(...doc.outbox.map((e) => (e.nextAttemptAt ? Date.parse(e.nextAttemptAt) : 0)));
        if (next <= nowMs || doc.outbox.some((e) => e.transient)) candidates.push({ doc, next, performer });
      }
    }
    candidates.sort((a, b) => a.next - b.next);
    let slackWorks = false;
    let probed = false;
    for (const { doc, next, performer } of candidates) {
      if (Date.now() > deadline || report.outage) break;
      const due = next <= nowMs;
      if (!due && !slackWorks && probed) break;
      probed ||= !due;
      const options: DrainOptions = { includeTransient: !due || slackWorks };
      // One document the store fails on (a write race lost ten times, say) holds back no other.
      const drained: DrainReport = await drain({ pk: doc.pk, id: doc.id }, owner, performer, options).catch(
        (error: unknown) => {
          log.warn(`sweep: ${doc.id} left for the next tick: ${describeError(error)}`);
          return { ...emptyReport(), failed: 1 };
        },
      );
      addReport(report, drained);
      slackWorks ||= drained.performed > 0 && !drained.outage;
    }
    return report;
  }

  return { drain, sweep };
}

export type OutboxRunner = ReturnType<typeof createOutboxRunner>;
