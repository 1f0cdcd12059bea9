/**
 * Reply feedback (SPEC 8): a member's reply in a weekly thread that does not count gets one note saying why.
 * Pure: the reply's state and its week in, the reason out.
 */
import { tsToMs } from './calendar.js';
import type { Effect, SubmissionState, Week } from './types.js';

/** `late`: posted (or its link added) after the week's deadline; `no_link`: no link on an accepted host. */
export type FeedbackReason = 'no_link' | 'late';

/**
 * Why `state`, a reply in `week`'s thread, does not count, or undefined when it counts or is nobody's business
 * (deleted, not yet seen itself, outside a weekly thread). A reply made after the deadline is
 * late whatever it holds: nothing posted then counts.
 */
export function feedbackReason(state: SubmissionState, week: Week | undefined): FeedbackReason | undefined {
  if (!week || state.weekKey !== week.key || state.author === undefined || state.content === undefined) {
    return undefined;
  }
  if (state.deleted) return undefined;
  if (tsToMs(state.replyTs) > week.deadlineMs) return 'late';
  if (state.links.length === 0) return 'no_link';
  return state.linkedSince !== undefined && tsToMs(state.linkedSince) > week.deadlineMs ? 'late' : undefined;
}

/**
 * The note `after` calls for, unless a note of that reason was already given for this reply (`given`): once per
 * reply and reason, so a redelivery, a 👍 or an edit that changes nothing about why it does not count adds none.
 */
export function replyFeedbackEffect(
  after: SubmissionState,
  week: Week | undefined,
  given: readonly FeedbackReason[],
): Extract<Effect, { kind: 'reply_feedback' }> | undefined {
  const reason = feedbackReason(after, week);
  if (!reason || given.includes(reason) || !week || after.threadTs === undefined) return undefined;
  return {
    kind: 'reply_feedback',
    id: `reply_feedback:${after.replyTs}:${reason}`,
    weekKey: week.key,
    userId: after.author!,
    replyTs: after.replyTs,
    threadTs: after.threadTs,
    reason,
  };
}
