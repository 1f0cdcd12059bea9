import { SlackCallError } from '../adapters/slack/slack.js';

/** How long Slack is taken for down after a call failed as if it were (5xx, timeout, rate limit, auth). */
export const SLACK_DOWN_MS = 30_000;

/**
 * Whether Slack looks down, from the last failures this process saw: while it does, events record their state
 * and leave their effects and their optional reads (names, bot flags) for later instead of each waiting out a
 * failing call, and the sweep probes Slack once per tick.
 */
export function createSlackHealth(now: () => number) {
  let downUntilMs = 0;
  return {
    /** Notes a failed call; only failures that may heal by themselves say Slack is down. */
    failed(error: unknown) {
      if (error instanceof SlackCallError && error.retryable) downUntilMs = now() + SLACK_DOWN_MS;
    },
    looksDown: () => now() < downUntilMs,
  };
}

export type SlackHealth = ReturnType<typeof createSlackHealth>;
