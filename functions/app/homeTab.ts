import * as z from 'zod';
import type { SlackPort } from '../adapters/slack/slack.js';
import type { Store } from '../adapters/store/store.js';
import { updateDocument } from '../adapters/store/updateDocument.js';
import type { AppConfig } from '../config.js';
import { SLACK_TS, tsToMs } from '../domain/calendar.js';
import type { UserId } from '../domain/types.js';
import { appHomeView } from '../messages/appHome.js';
import type { HomeTexts } from '../messages/memberSurfaces.js';
import { SLACK_USER_ID } from '../slack/limits.js';
import { type HomeViewDoc, homeViewDocId, memberPartition } from './documents.js';
import { describeError, type Logger } from './logger.js';
import type { MemberStatusReader } from './memberStatus.js';

/** Openings of one member's Home closer than this publish once (Slack sends one event per opening). */
export const HOME_REOPEN_WINDOW_MS = 2_000;

const appHomeOpenedSchema = z.object({
  type: z.literal('app_home_opened'),
  user: z.string().regex(SLACK_USER_ID),
  /** `home` or `messages`: only the Home tab has a view to publish. */
  tab: z.string().optional(),
  event_ts: z.string().regex(SLACK_TS),
});

export interface HomeTabDeps {
  store: Store;
  slack: SlackPort;
  status: MemberStatusReader;
  texts: HomeTexts;
  config: AppConfig;
  log: Logger;
  now: () => number;
}

export type HomeOutcome = { published: true } | { published: false; why: string };

/**
 * The member's App Home: built from their status as it is now and published with views.publish. A publish is
 * only a view (the member sees it again on their next opening), so a failure is logged, never retried through
 * the queue, and never alerts.
 */
export function createHomeTab(deps: HomeTabDeps) {
  const { store, slack, config, log } = deps;

  async function publish(userId: UserId, notice?: string): Promise<HomeOutcome> {
    try {
      const status = await deps.status.of(userId, deps.now());
      const view = appHomeView({
        status,
        texts: deps.texts,
        timeZone: config.rules.timeZone,
        dashboardUrl: config.dashboardUrl,
        notice,
      });
      await slack.publishHomeView(userId, view);
      return { published: true };
    } catch (error) {
      log.warn(`App Home of ${userId} not published: ${describeError(error)}`);
      return { published: false, why: 'publish failed' };
    }
  }

  /**
   * `app_home_opened`: publishes unless the member's Home was published for another opening within
   * HOME_REOPEN_WINDOW_MS of this one (judged on Slack's event_ts, claimed with the ETag, so two instances or a
   * reordered pair publish once). A redelivery of the opening that claimed publishes again: its first attempt
   * may have stopped before Slack had the view.
   */
  async function opened(rawEvent: unknown, eventId: string): Promise<HomeOutcome> {
    const parsed = appHomeOpenedSchema.safeParse(rawEvent);
    if (!parsed.success) return { published: false, why: 'malformed app_home_opened event' };
    const { user, tab, event_ts } = parsed.data;
    if (tab !== undefined && tab !== 'home') return { published: false, why: `the ${tab} tab has no view` };
    const openedAtMs = tsToMs(event_ts);
    const pk = memberPartition(config.channelId);
    const id = homeViewDocId(user);
    const claim = await updateDocument<HomeViewDoc>(store, pk, id, (current) => {
      if (current?.eventId === eventId) return undefined;
      if (current && Math.abs(openedAtMs - current.openedAtMs) < HOME_REOPEN_WINDOW_MS) return undefined;
      return { id, pk, type: 'homeView', channel: config.channelId, userId: user, openedAtMs, eventId };
    });
    if (!claim.changed && claim.previous?.eventId !== eventId) {
      return { published: false, why: 'published for another opening just before' };
    }
    return publish(user);
  }

  return { publish, opened };
}

export type HomeTab = ReturnType<typeof createHomeTab>;
