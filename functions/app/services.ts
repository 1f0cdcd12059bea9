import type { QueueSender } from '../adapters/queue/queue.js';
import { createDryRunSlack } from '../adapters/slack/dryRunSlack.js';
import type { SlackPort } from '../adapters/slack/slack.js';
import { createWebApiSlack } from '../adapters/slack/webApiSlack.js';
import type { Store } from '../adapters/store/store.js';
import type { AppConfig } from '../config.js';
import { createAdminTickHandler } from '../handlers/adminTick.js';
import { createHealthHandler } from '../handlers/health.js';
import { createProcessEventHandler } from '../handlers/processEvent.js';
import { createSlackEventsHandler } from '../handlers/slackEvents.js';
import { createHistoryHandler, createMonthsHandler, createStatsHandler } from '../handlers/stats.js';
import { templatesFor } from '../messages/templates.js';
import { createAdminAlerts } from './adminAlerts.js';
import { createEventProcessor } from './eventProcessor.js';
import type { Logger } from './logger.js';
import { createMemberDirectory } from './memberDirectory.js';
import { createScheduledJobs } from './scheduledJobs.js';
import { createThreadLinks } from './threadLinks.js';

export interface Adapters {
  store: Store;
  queue: QueueSender;
  slack: SlackPort;
  log: Logger;
  now: () => number;
  /** Which host runs the services, and (embedded queue) how many messages wait: for /api/health. */
  host?: 'azure' | 'local';
  queueDepth?: () => number;
}

/** Slack through the Web API, or printed (dry run) when no bot token is configured. */
export function slackFor(config: AppConfig, log: Logger): SlackPort {
  return config.slack.botToken
    ? createWebApiSlack({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, logger: log })
    : createDryRunSlack();
}

/** The composition root shared by the Functions entry and the local server: same handlers, other adapters. */
export function createServices(config: AppConfig, adapters: Adapters) {
  const { store, queue, slack, log, now } = adapters;
  const templates = templatesFor(config.locale);
  const members = createMemberDirectory({ store, slack, channel: config.channelId, now });
  const alerts = createAdminAlerts({ slack, adminUserIds: config.adminUserIds, templates, log });
  const threadLinks = createThreadLinks({ store, slack, config, log });
  const processor = createEventProcessor({ store, slack, members, alerts, config, templates, log });
  const jobs = createScheduledJobs({
    store,
    slack,
    config,
    templates,
    alerts,
    log,
    queue,
    threadLinks,
  });
  const readSide = { store, members, config, threadLinks, log, now };
  return {
    config,
    alerts,
    jobs,
    slackEvents: createSlackEventsHandler({
      signingSecret: config.slack.signingSecret,
      timeZone: config.rules.timeZone,
      queue,
      now,
    }),
    processEvent: createProcessEventHandler({
      processor,
      alerts,
      store,
      channelId: config.channelId,
      log,
      now,
    }),
    stats: createStatsHandler(readSide),
    months: createMonthsHandler(readSide),
    history: createHistoryHandler(readSide),
    health: createHealthHandler({ host: adapters.host ?? 'local', queueDepth: adapters.queueDepth }),
    adminTick: createAdminTickHandler({ adminToken: config.adminToken, jobs }),
  };
}

export type Services = ReturnType<typeof createServices>;
