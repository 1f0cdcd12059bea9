import { SlackCallError, type SlackPort } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { tsToMs } from '../domain/calendar.js';
import { countedLikes, countsForWeek } from '../domain/submission.js';
import type { Templates } from '../messages/templates.js';
import type { AdminAlerts } from './adminAlerts.js';
import { monthPartition, type OutboxEntry, type SubmissionDoc } from './documents.js';
import { describeError } from './logger.js';
import type { Performer } from './outbox.js';
import type { BroadcastEffect, ParticipationClaims } from './participationClaims.js';
import { createReplyFeedback } from './replyFeedback.js';
import type { WeekCalendar } from './weekCalendar.js';

type LikeDmEffect = Extract<OutboxEntry, { kind: 'like_dm' }>;

/**
 * How a submission's effects are performed: the broadcast (through its participation claim) and the like DM.
 * Each is checked against the submission as it is now before it is made, so an old outbox drained late never
 * announces a reply deleted meanwhile, and every post that an earlier attempt may have made is looked up by its
 * tag first.
 */
export function createSubmissionEffects(deps: {
  store: Store;
  slack: SlackPort;
  claims: ParticipationClaims;
  alerts: AdminAlerts;
  config: AppConfig;
  templates: Templates;
  /** Weeks with the admins' rules applied: a reply on time by an extended deadline is announced. */
  weeks: WeekCalendar;
}): Performer<SubmissionDoc, OutboxEntry> {
  const { store, slack, claims, alerts, config, templates, weeks } = deps;
  const { rules, channelId } = config;
  const feedback = createReplyFeedback({ slack, config, templates });

  async function broadcast(effect: BroadcastEffect) {
    const claim = await claims.claim(effect);
    if (claim.status !== 'mine') return;
    const tag = { type: 'til_broadcast', id: effect.id } as const;
    const postedBefore = claim.lookupFrom
      ? await slack.findTaggedMessage(channelId, tag, claim.lookupFrom)
      : undefined;
    let broadcastTs = postedBefore;
    if (!broadcastTs) {
      const week = await weeks.week(effect.weekKey);
      const replyLink = await slack.permalink(channelId, effect.replyTs);
      const text = templates.broadcast({ userId: effect.userId, week, replyLink });
      broadcastTs = (await slack.postMessage({ channel: channelId, text, tag })).ts;
    }
    await claims.markSent(effect, broadcastTs);
  }

  /** DMs the author their week's new total, computed now, so a late DM carries the current figure. */
  async function likeDm(effect: LikeDmEffect, sendStarting: () => Promise<void>) {
    const tag = { type: 'til_like_dm', id: effect.id } as const;
    if (effect.sendStarted && (await slack.findTaggedDirectMessage(effect.userId, tag, effect.reactionTs))) {
      return;
    }
    const week = await weeks.week(effect.weekKey);
    const mine = await store.query<SubmissionDoc>({
      pk: monthPartition(channelId, week.month),
      type: 'submission',
      where: { weekKey: week.key, author: effect.userId },
    });
    const weekLikes = mine
      .filter(({ doc }) => countsForWeek(doc.state, week))
      .reduce((sum, { doc }) => sum + countedLikes(doc.state, rules), 0);
    const replyLink = await slack.permalink(channelId, effect.replyTs);
    const text = templates.likeDm({ week, weekLikes, replyLink, at: tsToMs(effect.reactionTs) });
    await sendStarting();
    await slack.sendDirectMessage(effect.userId, text, tag);
  }

  return {
    async stillWanted(effect, doc) {
      const week = await weeks.week(effect.weekKey);
      const { state } = doc;
      if (effect.kind === 'reply_feedback') return feedback.stillWanted(effect, state, week);
      if (state.weekKey !== effect.weekKey || state.author !== effect.userId || !countsForWeek(state, week)) {
        return false;
      }
      if (effect.kind === 'broadcast') return true;
      if (config.likeDm === 'off') return false;
      // A later like DM of this reply carries the latest total: this one has nothing to add.
      const position = doc.outbox.findIndex((e) => e.id === effect.id);
      return !doc.outbox.some((e, i) => i > position && e.kind === 'like_dm' && e.replyTs === effect.replyTs);
    },

    async perform(effect, _doc, attempt) {
      if (effect.kind === 'broadcast') await broadcast(effect);
      else if (effect.kind === 'reply_feedback')
        await feedback.perform(effect, await weeks.week(effect.weekKey), attempt.sendStarting);
      else await likeDm(effect, attempt.sendStarting);
    },

    async dropped(effect, doc, drop) {
      if (drop.kind === 'given-up') {
        const error = drop.error;
        await alerts.slackCallFailed(
          {
            method: error instanceof SlackCallError ? error.method : effect.kind,
            reason: error instanceof SlackCallError ? error.code : describeError(error),
            eventId: effect.eventId,
          },
          `${doc.id}:${effect.id}`,
        );
      }
      if (effect.kind !== 'broadcast') return undefined;
      // Given up: the member's next reply may announce them. No longer counting: another reply may already.
      const released = await claims.release(effect);
      return released && drop.kind === 'unwanted' ? claims.handOver(effect) : undefined;
    },
  };
}
