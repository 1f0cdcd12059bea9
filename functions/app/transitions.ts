import { isDeepStrictEqual } from 'node:util';
import { weekByKey } from '../domain/calendar.js';
import { replyFeedbackEffect } from '../domain/replyFeedback.js';
import { transitionEffects } from '../domain/submission.js';
import type { MonthKey, RulesConfig, SubmissionState, Week } from '../domain/types.js';
import { type OutboxEntry, type SubmissionDoc, submissionDocument } from './documents.js';
import { withOutbox } from './outbox.js';

/**
 * The submission document after a transition to `after`, with the effects it causes appended to its outbox
 * (each naming `eventId`, the event that caused it), or undefined when the state does not change. What the
 * document holds besides its state (the outbox lease) is kept.
 */
export function nextSubmissionDocument(
  current: SubmissionDoc | undefined,
  after: SubmissionState,
  ctx: {
    channelId: string;
    month: MonthKey;
    rules: RulesConfig;
    memberAlreadyBroadcast: boolean;
    eventId: string;
    /** The reply's week as the admins' rules make it (an extended deadline); the calendar's when absent. */
    week?: Week;
    /** REPLY_FEEDBACK: a reply that does not count gets a note (once per reply and reason). */
    replyFeedback?: boolean;
  },
): SubmissionDoc | undefined {
  const before = current?.state;
  if (before && isDeepStrictEqual(before, after)) return undefined;
  const week = !after.weekKey
    ? undefined
    : ctx.week?.key === after.weekKey
      ? ctx.week
      : weekByKey(after.weekKey, ctx.rules.timeZone);
  const outbox = current?.outbox ?? [];
  const effects = transitionEffects(before, after, {
    config: ctx.rules,
    week,
    memberAlreadyBroadcast: ctx.memberAlreadyBroadcast,
  })
    .filter((e) => !outbox.some((o) => o.id === e.id))
    .map((e): OutboxEntry => ({ ...e, eventId: ctx.eventId }));
  const given = current?.feedbackGiven ?? [];
  const feedback = ctx.replyFeedback ? replyFeedbackEffect(after, week, given) : undefined;
  if (feedback) effects.push({ ...feedback, eventId: ctx.eventId });
  const next = submissionDocument(ctx.channelId, ctx.month, after, []);
  const feedbackGiven = feedback ? [...given, feedback.reason] : given;
  const kept = {
    ...next,
    ...(current?.outboxLease && { outboxLease: current.outboxLease }),
    ...(feedbackGiven.length > 0 && { feedbackGiven }),
  };
  return withOutbox<SubmissionDoc, OutboxEntry>(kept, [...outbox, ...effects]);
}
