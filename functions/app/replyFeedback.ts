import type { SlackPort } from '../adapters/slack/slack.js';
import type { AppConfig } from '../config.js';
import { feedbackReason } from '../domain/replyFeedback.js';
import type { SubmissionState, Week } from '../domain/types.js';
import type { Templates } from '../messages/templates.js';
import type { OutboxEntry } from './documents.js';

type ReplyFeedbackEffect = Extract<OutboxEntry, { kind: 'reply_feedback' }>;

/**
 * Performs reply feedback notes (SPEC 8): one `chat.postEphemeral` in the thread to the reply's author. An
 * ephemeral message cannot be looked up afterwards, so a note whose send may have reached Slack is not sent again:
 * at most once, never twice.
 */
export function createReplyFeedback(deps: { slack: SlackPort; config: AppConfig; templates: Templates }) {
  const { slack, config, templates } = deps;
  return {
    /** Still wanted while the reply still does not count for the same reason (an edit may have fixed it). */
    stillWanted(effect: ReplyFeedbackEffect, state: SubmissionState, week: Week): boolean {
      return (
        config.replyFeedback &&
        state.author === effect.userId &&
        feedbackReason(state, week) === effect.reason
      );
    },

    async perform(effect: ReplyFeedbackEffect, week: Week, sendStarting: () => Promise<void>): Promise<void> {
      if (effect.sendStarted) return;
      const text = templates.replyFeedback({
        reason: effect.reason,
        week,
        allowedBlogHosts: config.rules.allowedBlogHosts,
      });
      await sendStarting();
      await slack.postEphemeral({
        channel: config.channelId,
        user: effect.userId,
        threadTs: effect.threadTs,
        text,
      });
    },
  };
}
