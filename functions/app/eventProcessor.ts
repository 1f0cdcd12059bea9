import { isDeepStrictEqual } from 'node:util';
import type { MessageTag, SlackPort } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateWithRetry.js';
import type { AppConfig } from '../config.js';
import { monthOfWeekKey, routingMonth, routingMonthOfTs, weekByKey } from '../domain/calendar.js';
import { applyEvent, countedLikes, countsForWeek, transitionEffects } from '../domain/submission.js';
import type { ChallengeEvent, Effect, SubmissionState, Week } from '../domain/types.js';
import type { Templates } from '../messages/templates.js';
import { normalizeEvent } from '../slack/envelope.js';
import {
  monthPartition,
  type ParticipationDoc,
  participationDocId,
  type SubmissionDoc,
  submissionDocId,
  type ThreadDoc,
  threadDocId,
} from './documents.js';
import type { Logger } from './logger.js';
import type { MemberDirectory } from './memberDirectory.js';
import { queuedEventSchema } from './queuedEvent.js';

export interface EventProcessorDeps {
  store: Store;
  slack: SlackPort;
  members: MemberDirectory;
  config: AppConfig;
  templates: Templates;
  log: Logger;
}

export type ProcessOutcome = { applied: true; effects: number } | { applied: false; ignored: string };

/**
 * Applies one queued Slack event: read → pure domain transition → conditional write, with the side effects the
 * transition causes recorded in that same write (the document's outbox) and performed afterwards. A redelivered
 * event changes nothing and so causes nothing new; effects left pending by a crash are performed on redelivery.
 * Throws on failure so the queue abandons and retries the message.
 */
export function createEventProcessor(deps: EventProcessorDeps) {
  const { store, slack, members, config, templates, log } = deps;
  const { rules, channelId } = config;

  async function threadWeekOf(event: ChallengeEvent): Promise<Week | undefined> {
    if (event.kind !== 'message_posted' && event.kind !== 'message_edited') return undefined;
    if (!event.threadTs || event.threadTs === event.ts) return undefined;
    const pk = monthPartition(channelId, routingMonthOfTs(event.threadTs, rules.timeZone));
    const thread = await store.read<ThreadDoc>(pk, threadDocId(event.threadTs));
    return thread ? weekByKey(thread.doc.weekKey, rules.timeZone) : undefined;
  }

  async function apply(event: ChallengeEvent, threadWeek: Week | undefined) {
    const targetTs = event.kind === 'reaction' ? event.itemTs : event.ts;
    const month = routingMonth(event, rules.timeZone);
    const pk = monthPartition(channelId, month);
    const isMessage = event.kind === 'message_posted' || event.kind === 'message_edited';
    return updateDocument<SubmissionDoc>(store, pk, submissionDocId(targetTs), (current) => {
      // Plain channel messages and replies in other threads are not the challenge's business.
      if (!current && isMessage && !threadWeek) return undefined;
      const before: SubmissionState | undefined = current?.state;
      const after = applyEvent(before, event, { config: rules, threadWeek });
      if (before && isDeepStrictEqual(before, after)) return undefined;
      const week = after.weekKey ? weekByKey(after.weekKey, rules.timeZone) : undefined;
      const outbox = current?.outbox ?? [];
      const effects = transitionEffects(before, after, {
        config: rules,
        week,
        memberAlreadyBroadcast: false,
      });
      return {
        id: submissionDocId(targetTs),
        pk,
        type: 'submission',
        channel: channelId,
        month,
        author: after.author,
        weekKey: after.weekKey,
        state: after,
        outbox: [...outbox, ...effects.filter((e) => !outbox.some((o) => o.id === e.id))],
      };
    });
  }

  /** Claims the member's participation in the week; only the claiming reply posts, once. */
  async function broadcast(effect: Extract<Effect, { kind: 'broadcast' }>) {
    const pk = monthPartition(channelId, monthOfWeekKey(effect.weekKey));
    const id = participationDocId(effect.weekKey, effect.userId);
    const claim = await updateDocument<ParticipationDoc>(
      store,
      pk,
      id,
      (current) =>
        current ?? {
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
    // A pending claim this call did not just make was left by a crash: the post may have reached Slack already.
    const postedBefore = claim.changed
      ? undefined
      : await slack.findTaggedMessage(channelId, tag, effect.replyTs);
    const broadcastTs = postedBefore ?? (await postBroadcast(effect, tag)).ts;
    await updateDocument<ParticipationDoc>(store, pk, id, (current) =>
      current ? { ...current, status: 'sent', broadcastTs } : undefined,
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

  async function likeDm(effect: Extract<Effect, { kind: 'like_dm' }>) {
    if (config.likeDm === 'off') return;
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
    await slack.sendDirectMessage(effect.userId, templates.likeDm({ week, weekLikes, replyLink }));
  }

  /** Performs pending effects one by one, removing each once done so a retry does not repeat it. */
  async function drainOutbox(pk: string, id: string, outbox: Effect[]) {
    for (const effect of outbox) {
      if (effect.kind === 'broadcast') await broadcast(effect);
      else await likeDm(effect);
      await updateDocument<SubmissionDoc>(store, pk, id, (current) =>
        current ? { ...current, outbox: current.outbox.filter((e) => e.id !== effect.id) } : undefined,
      );
    }
  }

  return {
    async process(body: unknown): Promise<ProcessOutcome> {
      const queued = queuedEventSchema.parse(body);
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
      const threadWeek = await threadWeekOf(event);
      const result = await apply(event, threadWeek);
      const doc = result.stored?.doc ?? result.previous;
      if (!doc) return { applied: false, ignored: 'not a reply in a weekly thread' };
      if (doc.author && threadWeek) await members.get(doc.author);
      const pending = doc.outbox.length;
      await drainOutbox(doc.pk, doc.id, doc.outbox);
      return { applied: true, effects: pending };
    },
  };
}

export type EventProcessor = ReturnType<typeof createEventProcessor>;
