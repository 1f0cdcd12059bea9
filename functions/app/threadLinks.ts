import type { SlackPort } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { AppConfig } from '../config.js';
import { type WeekDoc, weekDocId } from './documents.js';
import { describeError, type Logger } from './logger.js';

/**
 * Slack permalinks of weekly threads, for the dashboard's "open the thread" links. Fetched once: when the week is
 * posted, or (for a week posted before links were kept, or whose fetch failed) at the first read that lacks it,
 * in the background so the read never waits on Slack. Stored on the week document.
 */
export interface ThreadLinks {
  /** The permalink of a thread just posted; undefined (logged) if Slack cannot give it now. */
  fetch(threadTs: string): Promise<string | undefined>;
  /** Starts fetching and storing the links these posted weeks lack; at most one attempt per week at a time. */
  fillMissing(weeks: WeekDoc[]): void;
}

export function createThreadLinks(deps: {
  store: Store;
  slack: SlackPort;
  config: AppConfig;
  log: Logger;
}): ThreadLinks {
  const { store, slack, config, log } = deps;
  const inFlight = new Set<string>();

  async function fetch(threadTs: string) {
    try {
      return await slack.permalink(config.channelId, threadTs);
    } catch (error) {
      log.warn(`thread link ${threadTs}: ${describeError(error)}`);
      return undefined;
    }
  }

  async function fill(week: WeekDoc) {
    const url = await fetch(week.threadTs!);
    if (!url) return;
    await updateDocument<WeekDoc>(store, week.pk, weekDocId(week.weekKey), (current) =>
      current && !current.threadUrl && current.threadTs === week.threadTs
        ? { ...current, threadUrl: url }
        : undefined,
    );
  }

  return {
    fetch,
    fillMissing(weeks) {
      for (const week of weeks) {
        if (week.threadUrl || !week.threadTs || inFlight.has(week.id + week.pk)) continue;
        inFlight.add(week.id + week.pk);
        fill(week)
          .catch((error) => log.warn(`thread link ${week.weekKey}: ${describeError(error)}`))
          .finally(() => inFlight.delete(week.id + week.pk));
      }
    },
  };
}
