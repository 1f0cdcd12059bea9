import type { SlackPort } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { AppConfig } from '../config.js';
import {
  routingMonth,
  routingMonthOfTs,
  targetTs,
  tsToMs,
  weekByKey,
  weekOfInstant,
} from '../domain/calendar.js';
import { applyEvent } from '../domain/submission.js';
import type { ChallengeEvent, SlackTs, Week } from '../domain/types.js';
import { normalizeEvent } from '../slack/envelope.js';
import type { AdminActionMessage } from './adminActionMessage.js';
import type { createAdoption } from './adoption.js';
import type { CommandProcessor } from './commandProcessor.js';
import {
  monthPartition,
  type OutboxEntry,
  type SubmissionDoc,
  submissionDocId,
  type ThreadDoc,
  threadDocId,
  type WeekDoc,
  weekDocId,
} from './documents.js';
import type { HomeTab } from './homeTab.js';
import { describeError, type Logger } from './logger.js';
import type { MemberDirectory } from './memberDirectory.js';
import type { DocRef, OutboxRunner, Performer } from './outbox.js';
import type { ParticipationClaims } from './participationClaims.js';
import { parseQueuedMessage, threadRecordedMessageId } from './queuedEvent.js';
import type { SlackHealth } from './slackHealth.js';
import { nextSubmissionDocument } from './transitions.js';
import type { WeekCalendar } from './weekCalendar.js';

export interface EventProcessorDeps {
  store: Store;
  slack: SlackPort;
  members: MemberDirectory;
  config: AppConfig;
  log: Logger;
  outbox: OutboxRunner;
  effects: Performer<SubmissionDoc, OutboxEntry>;
  claims: ParticipationClaims;
  adoptThread: ReturnType<typeof createAdoption>;
  health: SlackHealth;
  /** Weeks with the admins' rules applied (an extended deadline makes later replies on time). */
  weeks: WeekCalendar;
  /** Members' actions from `/til` and App Home buttons (app/commandProcessor.ts). */
  processMemberAction: CommandProcessor;
  /** Applies an admin's change (`/til admin skip|unskip|extend|exclude|include`) and answers the admin. */
  processAdminAction: (message: AdminActionMessage) => Promise<ProcessOutcome>;
  home: HomeTab;
  now: () => number;
}

export type ProcessOutcome = { applied: true; effects: number } | { applied: false; ignored: string };

/**
 * How long after a message a 👍 or a delete about it may arrive before the message's own event: only Slack's
 * retries of a failed delivery (within minutes) reorder them. Such an event about a message with no document is
 * kept for that long (its message may be a reply on its way), and dropped after.
 */
const OVERTAKING_WINDOW_MS = 15 * 60_000;

/**
 * Applies one queued Slack event: read → pure domain transition → conditional write, with the side effects the
 * transition causes recorded in that same write (the document's outbox) and performed afterwards (app/outbox.ts).
 * The write never waits on Slack: an effect that fails stays in the outbox, backed off, and the message is
 * completed. A redelivered event changes nothing and so causes nothing new; effects left pending by a crash are
 * performed by the redelivery or the sweep. Throws only on a store failure, so the queue retries the message.
 */
export function createEventProcessor(deps: EventProcessorDeps) {
  const { store, slack, members, config, log, outbox, effects, claims, adoptThread, health, weeks, now } =
    deps;
  const { rules, channelId } = config;

  async function recordedThreadWeek(threadTs: SlackTs): Promise<Week | undefined> {
    const pk = monthPartition(channelId, routingMonthOfTs(threadTs, rules.timeZone));
    const thread = await store.read<ThreadDoc>(pk, threadDocId(threadTs));
    return thread ? weeks.week(thread.doc.weekKey) : undefined;
  }

  /**
   * A thread not recorded as a weekly thread may still be one whose record is not written yet: a week's post is
   * made in its own week, after its week document was claimed, and its thread is recorded before the week is
   * marked posted. So only a thread in a week whose post is claimed but not recorded can be one.
   */
  async function mayBeUnrecordedWeeklyThread(threadTs: SlackTs): Promise<boolean> {
    const week = weekOfInstant(tsToMs(threadTs), rules.timeZone);
    const stored = await store.read<WeekDoc>(monthPartition(channelId, week.month), weekDocId(week.key));
    return stored?.doc.status === 'claimed' || stored?.doc.threadTs === threadTs;
  }

  const mayHaveOvertakenItsMessage = (event: ChallengeEvent) =>
    tsToMs(event.eventTs) - tsToMs(targetTs(event)) <= OVERTAKING_WINDOW_MS;

  /**
   * Only what can count is stored (so stats reads do not grow with chatter): replies in weekly threads, or in a
   * thread that may be one not recorded yet (adopted later), and 👍 and deletes on stored replies, or on a
   * message whose own event may still come. Returns undefined when the event is not stored.
   */
  async function apply(event: ChallengeEvent, threadWeek: Week | undefined, eventId: string) {
    const month = routingMonth(event, rules.timeZone);
    const isMessage = event.kind === 'message_posted' || event.kind === 'message_edited';
    const mayCreate = isMessage
      ? threadWeek !== undefined || (await mayBeUnrecordedWeeklyThread(event.threadTs!))
      : mayHaveOvertakenItsMessage(event);
    const memberAlreadyBroadcast = isMessage && (await claims.alreadyBroadcast(threadWeek, event.user));
    // A 👍 or a delete is judged against its reply's week, which only its stored document names.
    const weekKey = isMessage
      ? threadWeek?.key
      : (await store.read<SubmissionDoc>(monthPartition(channelId, month), submissionDocId(targetTs(event))))
          ?.doc.weekKey;
    const week = threadWeek ?? (weekKey ? await weeks.week(weekKey) : undefined);
    const result = await updateDocument<SubmissionDoc>(
      store,
      monthPartition(channelId, month),
      submissionDocId(targetTs(event)),
      (current) =>
        current || mayCreate
          ? nextSubmissionDocument(
              current,
              applyEvent(current?.state, event, { config: rules, threadWeek }),
              {
                channelId,
                month,
                rules,
                memberAlreadyBroadcast,
                eventId,
                week,
                replyFeedback: config.replyFeedback,
                likeDmBatch:
                  config.likeDm === 'batched'
                    ? { windowMs: config.likeDmMinutes * 60_000, nowMs: now() }
                    : undefined,
              },
            )
          : undefined,
    );
    return result.stored?.doc;
  }

  /** Names for the dashboard; a failure here must not hold back the event, so it is only logged. */
  async function rememberName(userId: string) {
    if (health.looksDown()) return;
    await members.get(userId).catch((error) => {
      health.failed(error);
      log.warn(`could not cache the name of ${userId}: ${describeError(error)}`);
    });
  }

  /**
   * A 👍 by a bot does not count. When Slack cannot say (or looks down), what the store knows is used, and a
   * reactor no one knows is taken for the human most are.
   */
  async function isBot(userId: string): Promise<boolean> {
    try {
      if (!health.looksDown()) return (await members.get(userId)).isBot;
    } catch (error) {
      health.failed(error);
      log.warn(`could not ask Slack whether ${userId} is a bot: ${describeError(error)}`);
    }
    return (await members.known(userId))?.isBot ?? false;
  }

  let knownBotUserId: string | undefined;
  /**
   * Only to ignore the app's own messages, which carry a bot_id and are ignored for it anyway: never worth
   * holding an event for, so not asked while Slack looks down, and a failure leaves it unknown for now.
   */
  async function botUserId(): Promise<string | undefined> {
    if (knownBotUserId !== undefined || health.looksDown()) return knownBotUserId;
    try {
      knownBotUserId = await slack.botUserId();
    } catch (error) {
      health.failed(error);
      log.warn(`auth.test failed, the app's own id is unknown for now: ${describeError(error)}`);
    }
    return knownBotUserId;
  }

  async function drain(docs: DocRef[], owner: string): Promise<void> {
    for (const doc of docs) await outbox.drain(doc, owner, effects, { holdWhileSlackIsDown: true });
  }

  async function processThreadRecorded(threadTs: SlackTs, weekKey: string): Promise<ProcessOutcome> {
    const messageId = threadRecordedMessageId(threadTs);
    const week = weekByKey(weekKey, rules.timeZone);
    const { adopted, toDrain, authors } = await adoptThread(threadTs, week, messageId);
    await drain(toDrain, `event:${messageId}`);
    for (const author of authors) await rememberName(author);
    return { applied: true, effects: adopted };
  }

  return {
    async process(body: unknown): Promise<ProcessOutcome> {
      const queued = parseQueuedMessage(body);
      if ('kind' in queued) {
        if (queued.kind === 'admin_action') return deps.processAdminAction(queued);
        return queued.kind === 'member_action'
          ? deps.processMemberAction(queued)
          : processThreadRecorded(queued.threadTs, queued.weekKey);
      }
      // The App Home is the member's own view, not a challenge event: published by app/homeTab.ts.
      if (queued.event.type === 'app_home_opened') {
        const home = await deps.home.opened(queued.event, queued.eventId);
        return home.published ? { applied: true, effects: 0 } : { applied: false, ignored: home.why };
      }
      const ownId = await botUserId();
      const normalized = normalizeEvent(queued.event, queued.eventId, { channelId, botUserId: ownId });
      if ('ignored' in normalized) {
        log.debug(`event ${queued.eventId} ignored: ${normalized.ignored}`);
        return { applied: false, ignored: normalized.ignored };
      }
      const event = normalized.event;
      if (event.kind === 'reaction') {
        // Reactions on the app's own posts (weekly posts, broadcasts) are never a submission's.
        if (ownId !== undefined && queued.event.item_user === ownId) {
          return { applied: false, ignored: "reaction on the app's own message" };
        }
        // Most 👍 are on chatter: dropped here, before asking Slack who gave them.
        const pk = monthPartition(channelId, routingMonth(event, rules.timeZone));
        if (!mayHaveOvertakenItsMessage(event) && !(await store.read(pk, submissionDocId(event.itemTs)))) {
          return { applied: false, ignored: 'not about a reply' };
        }
        if (await isBot(event.user)) {
          log.debug(`event ${queued.eventId} ignored: reaction by a bot`);
          return { applied: false, ignored: 'reaction by a bot' };
        }
      }
      const isMessage = event.kind === 'message_posted' || event.kind === 'message_edited';
      // Plain channel messages are not the challenge's business.
      if (isMessage && !event.threadTs) return { applied: false, ignored: 'not a thread reply' };
      const threadWeek = isMessage && event.threadTs ? await recordedThreadWeek(event.threadTs) : undefined;
      const doc = await apply(event, threadWeek, queued.eventId);
      if (!doc)
        return { applied: false, ignored: isMessage ? 'not in a weekly thread' : 'not about a reply' };
      const pending = doc.outbox.length;
      await drain([{ pk: doc.pk, id: doc.id }], `event:${queued.eventId}`);
      if (doc.author && doc.weekKey) await rememberName(doc.author);
      return { applied: true, effects: pending };
    },
  };
}

export type EventProcessor = ReturnType<typeof createEventProcessor>;
