import { isDeepStrictEqual } from 'node:util';
import type { MessageTag, SlackPort } from '../adapters/slack/slack.js';
import { SlackCallError } from '../adapters/slack/webApiSlack.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { AppConfig } from '../config.js';
import { monthOfWeekKey, routingMonth, routingMonthOfTs, targetTs, weekByKey } from '../domain/calendar.js';
import {
  adoptIntoWeek,
  applyEvent,
  countedLikes,
  countsForWeek,
  transitionEffects,
} from '../domain/submission.js';
import type {
  ChallengeEvent,
  Effect,
  MonthKey,
  SlackTs,
  SubmissionState,
  UserId,
  Week,
} from '../domain/types.js';
import type { Templates } from '../messages/templates.js';
import { normalizeEvent } from '../slack/envelope.js';
import type { AdminAlerts } from './adminAlerts.js';
import {
  monthPartition,
  type OutboxEntry,
  type ParticipationDoc,
  participationDocId,
  type SubmissionDoc,
  submissionDocId,
  submissionDocument,
  type ThreadDoc,
  threadDocId,
} from './documents.js';
import { describeError, type Logger } from './logger.js';
import type { MemberDirectory } from './memberDirectory.js';
import { queuedMessageSchema, threadRecordedMessageId } from './queuedEvent.js';

export interface EventProcessorDeps {
  store: Store;
  slack: SlackPort;
  members: MemberDirectory;
  alerts: AdminAlerts;
  config: AppConfig;
  templates: Templates;
  log: Logger;
}

export type ProcessOutcome = { applied: true; effects: number } | { applied: false; ignored: string };

/**
 * Attempts at one effect before it is given up (and the admins told): as many as the queue's deliveries, so an
 * effect Slack keeps refusing cannot block the later effects of its submission for ever, while a refusal an admin
 * can fix (the bot not invited to the channel yet) still gets a few chances.
 */
const MAX_EFFECT_ATTEMPTS = 5;

/**
 * Applies one queued Slack event: read → pure domain transition → conditional write, with the side effects the
 * transition causes recorded in that same write (the document's outbox) and performed afterwards. A redelivered
 * event changes nothing and so causes nothing new; effects left pending by a crash are performed on redelivery.
 * Throws on a failure worth retrying so the queue abandons and retries the message.
 */
export function createEventProcessor(deps: EventProcessorDeps) {
  const { store, slack, members, alerts, config, templates, log } = deps;
  const { rules, channelId } = config;

  async function recordedThreadWeek(threadTs: SlackTs): Promise<Week | undefined> {
    const pk = monthPartition(channelId, routingMonthOfTs(threadTs, rules.timeZone));
    const thread = await store.read<ThreadDoc>(pk, threadDocId(threadTs));
    return thread ? weekByKey(thread.doc.weekKey, rules.timeZone) : undefined;
  }

  async function alreadyBroadcast(week: Week | undefined, userId: UserId | undefined): Promise<boolean> {
    if (!week || !userId) return false;
    const pk = monthPartition(channelId, week.month);
    const participation = await store.read<ParticipationDoc>(pk, participationDocId(week.key, userId));
    return participation !== undefined && participation.doc.status !== 'abandoned';
  }

  /** The submission document after `transition`, with the effects it causes appended to its outbox. */
  function nextDocument(
    current: SubmissionDoc | undefined,
    after: SubmissionState,
    month: MonthKey,
    memberAlreadyBroadcast: boolean,
  ): SubmissionDoc | undefined {
    const before = current?.state;
    if (before && isDeepStrictEqual(before, after)) return undefined;
    const week = after.weekKey ? weekByKey(after.weekKey, rules.timeZone) : undefined;
    const outbox = current?.outbox ?? [];
    const effects = transitionEffects(before, after, { config: rules, week, memberAlreadyBroadcast });
    return submissionDocument(channelId, month, after, [
      ...outbox,
      ...effects.filter((e) => !outbox.some((o) => o.id === e.id)),
    ]);
  }

  async function apply(event: ChallengeEvent, threadWeek: Week | undefined) {
    const month = routingMonth(event, rules.timeZone);
    const isMessage = event.kind === 'message_posted' || event.kind === 'message_edited';
    // Plain channel messages are not the challenge's business; every thread reply is kept, because its
    // thread may be a weekly thread whose record is not written yet (see adoptThread).
    if (isMessage && !event.threadTs) return undefined;
    const broadcastBefore = isMessage && (await alreadyBroadcast(threadWeek, event.user));
    return updateDocument<SubmissionDoc>(
      store,
      monthPartition(channelId, month),
      submissionDocId(targetTs(event)),
      (current) =>
        nextDocument(
          current,
          applyEvent(current?.state, event, { config: rules, threadWeek }),
          month,
          broadcastBefore,
        ),
    );
  }

  /** Claims the member's participation in the week; only the claiming reply posts, once. */
  async function broadcast(effect: Extract<Effect, { kind: 'broadcast' }>) {
    const pk = monthPartition(channelId, monthOfWeekKey(effect.weekKey));
    const id = participationDocId(effect.weekKey, effect.userId);
    const claim = await updateDocument<ParticipationDoc>(store, pk, id, (current) =>
      current && current.status !== 'abandoned'
        ? current
        : {
            id,
            pk,
            type: 'participation',
            weekKey: effect.weekKey,
            userId: effect.userId,
            replyTs: effect.replyTs,
            status: 'pending',
          },
    );
    const participation = claim.stored?.doc;
    if (!participation || participation.replyTs !== effect.replyTs || participation.status === 'sent') return;
    const tag = { type: 'til_broadcast', id: effect.id } as const;
    // Effects run one at a time per session, so a pending claim this call did not just make was left by an
    // attempt that failed or crashed: its post may have reached Slack already.
    const postedBefore = claim.changed
      ? undefined
      : await slack.findTaggedMessage(channelId, tag, effect.replyTs);
    const broadcastTs = postedBefore ?? (await postBroadcast(effect, tag)).ts;
    await updateDocument<ParticipationDoc>(store, pk, id, (current) =>
      current ? { ...current, status: 'sent', broadcastTs } : undefined,
    );
  }

  /** A broadcast given up frees the member's week, so another of their replies can still be announced. */
  async function releaseParticipation(effect: Extract<Effect, { kind: 'broadcast' }>) {
    const pk = monthPartition(channelId, monthOfWeekKey(effect.weekKey));
    await updateDocument<ParticipationDoc>(
      store,
      pk,
      participationDocId(effect.weekKey, effect.userId),
      (current) =>
        current?.status === 'pending' && current.replyTs === effect.replyTs
          ? { ...current, status: 'abandoned' }
          : undefined,
    );
  }

  async function postBroadcast(effect: Extract<Effect, { kind: 'broadcast' }>, tag: MessageTag) {
    const week = weekByKey(effect.weekKey, rules.timeZone);
    const replyLink = await slack.permalink(channelId, effect.replyTs);
    return slack.postMessage({
      channel: channelId,
      text: templates.broadcast({ userId: effect.userId, week, replyLink }),
      tag,
    });
  }

  /**
   * DMs the author their week's new total. A DM whose send may have reached Slack before an attempt failed or
   * crashed (marked sendStarted) is looked up first, by its message metadata, so it is not sent twice.
   */
  async function likeDm(effect: Extract<OutboxEntry, { kind: 'like_dm' }>, doc: SubmissionDoc) {
    if (config.likeDm === 'off') return;
    const tag = { type: 'til_like_dm', id: effect.id } as const;
    if (effect.sendStarted && (await slack.findTaggedDirectMessage(effect.userId, tag, effect.reactionTs))) {
      return;
    }
    const week = weekByKey(effect.weekKey, rules.timeZone);
    const mine = await store.query<SubmissionDoc>({
      pk: monthPartition(channelId, week.month),
      type: 'submission',
      where: { weekKey: week.key, author: effect.userId },
    });
    const weekLikes = mine
      .filter(({ doc }) => countsForWeek(doc.state, week))
      .reduce((sum, { doc }) => sum + countedLikes(doc.state, rules), 0);
    const replyLink = await slack.permalink(channelId, effect.replyTs);
    const text = templates.likeDm({ week, weekLikes, replyLink });
    if (!effect.sendStarted) await updateOutboxEntry(doc, effect.id, (e) => ({ ...e, sendStarted: true }));
    await slack.sendDirectMessage(effect.userId, text, tag);
  }

  /** Rewrites (or, given undefined, removes) one pending effect of a submission. */
  async function updateOutboxEntry(
    doc: SubmissionDoc,
    effectId: string,
    update: (entry: OutboxEntry) => OutboxEntry | undefined,
  ) {
    await updateDocument<SubmissionDoc>(store, doc.pk, doc.id, (current) =>
      current
        ? {
            ...current,
            outbox: current.outbox.flatMap((e) => {
              if (e.id !== effectId) return [e];
              const updated = update(e);
              return updated ? [updated] : [];
            }),
          }
        : undefined,
    );
  }

  /**
   * Performs pending effects one by one, removing each once done so a retry does not repeat it. A failed effect
   * stays pending with its failure counted, the others still run, and the first failure is rethrown so the event
   * is retried; after MAX_EFFECT_ATTEMPTS failures the effect is dropped and the admins are told.
   */
  async function drainOutbox(doc: SubmissionDoc, eventId: string) {
    let firstFailure: unknown;
    for (const effect of doc.outbox) {
      let retryAfterFailures: number | undefined;
      try {
        if (effect.kind === 'broadcast') await broadcast(effect);
        else await likeDm(effect, doc);
      } catch (error) {
        const failedAttempts = (effect.failedAttempts ?? 0) + 1;
        if (failedAttempts < MAX_EFFECT_ATTEMPTS) {
          retryAfterFailures = failedAttempts;
          firstFailure ??= error;
        } else {
          log.error(
            `event ${eventId}: giving up ${effect.id} after ${failedAttempts} attempts: ${describeError(error)}`,
          );
          if (effect.kind === 'broadcast') await releaseParticipation(effect);
          await alerts.slackCallFailed({
            method: error instanceof SlackCallError ? error.method : effect.kind,
            reason: error instanceof SlackCallError ? error.code : describeError(error),
            eventId,
          });
        }
      }
      // Kept (with the failure counted) to be retried, or removed: done, or given up.
      await updateOutboxEntry(doc, effect.id, (e) =>
        retryAfterFailures ? { ...e, failedAttempts: retryAfterFailures } : undefined,
      );
    }
    if (firstFailure !== undefined) throw firstFailure;
  }

  /** Names for the dashboard; a failure here must not hold back the event, so it is only logged. */
  async function rememberName(userId: string) {
    await members
      .get(userId)
      .catch((error) => log.warn(`could not cache the name of ${userId}: ${describeError(error)}`));
  }

  /**
   * Replies stored before their thread was known to be `week`'s thread join the week now, and their effects are
   * performed. Runs from the thread_recorded message in the week's session; on a redelivery, replies adopted
   * before but whose effects are still pending are drained again. Returns how many replies joined the week.
   */
  async function adoptThread(threadTs: SlackTs, week: Week, eventId: string): Promise<number> {
    const months = new Set([routingMonthOfTs(threadTs, rules.timeZone), week.month]);
    let adopted = 0;
    for (const month of months) {
      const replies = await store.query<SubmissionDoc>({
        pk: monthPartition(channelId, month),
        type: 'submission',
        where: { threadTs },
      });
      for (const { doc: reply } of replies) {
        let doc: SubmissionDoc | undefined = reply;
        if (reply.weekKey === undefined) {
          const broadcastBefore = await alreadyBroadcast(week, reply.author);
          const result = await updateDocument<SubmissionDoc>(store, reply.pk, reply.id, (current) =>
            current
              ? nextDocument(current, adoptIntoWeek(current.state, week), month, broadcastBefore)
              : undefined,
          );
          doc = result.stored?.doc;
          if (result.changed) adopted += 1;
        }
        if (doc?.weekKey !== week.key) continue;
        if (doc.outbox.length > 0) await drainOutbox(doc, eventId);
        if (doc.author) await rememberName(doc.author);
      }
    }
    return adopted;
  }

  return {
    async process(body: unknown): Promise<ProcessOutcome> {
      const queued = queuedMessageSchema.parse(body);
      if ('kind' in queued) {
        const adopted = await adoptThread(
          queued.threadTs,
          weekByKey(queued.weekKey, rules.timeZone),
          threadRecordedMessageId(queued.threadTs),
        );
        return { applied: true, effects: adopted };
      }
      const botUserId = await slack.botUserId();
      const normalized = normalizeEvent(queued.event, queued.eventId, { channelId, botUserId });
      if ('ignored' in normalized) {
        log.debug(`event ${queued.eventId} ignored: ${normalized.ignored}`);
        return { applied: false, ignored: normalized.ignored };
      }
      const event = normalized.event;
      if (event.kind === 'reaction' && (await members.get(event.user)).isBot) {
        log.debug(`event ${queued.eventId} ignored: reaction by a bot`);
        return { applied: false, ignored: 'reaction by a bot' };
      }
      const threadTs =
        event.kind === 'message_posted' || event.kind === 'message_edited' ? event.threadTs : undefined;
      const threadWeek = threadTs ? await recordedThreadWeek(threadTs) : undefined;
      const result = await apply(event, threadWeek);
      const doc = result?.stored?.doc;
      if (!doc) return { applied: false, ignored: 'not a thread reply' };
      const pending = doc.outbox.length;
      await drainOutbox(doc, queued.eventId);
      if (doc.author && doc.weekKey) await rememberName(doc.author);
      return { applied: true, effects: pending };
    },
  };
}

export type EventProcessor = ReturnType<typeof createEventProcessor>;
