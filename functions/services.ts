import type { DeadLetterBox } from './adapters/queue/deadLetterBox.js';
import type { QueueSender } from './adapters/queue/queue.js';
import { createDryRunSlack } from './adapters/slack/dryRunSlack.js';
import type { SlackPort } from './adapters/slack/slack.js';
import { createWebApiSlack } from './adapters/slack/webApiSlack.js';
import type { Store } from './adapters/store/store.js';
import { createAdminSurfaces } from './adminSurfaceServices.js';
import { createAdminAlerts } from './app/adminAlerts.js';
import { createAdoption } from './app/adoption.js';
import { createEventProcessor } from './app/eventProcessor.js';
import type { Logger } from './app/logger.js';
import { createMemberDirectory } from './app/memberDirectory.js';
import { createOutboxRunner, type OutboxDoc, type OutboxItem, type Performer } from './app/outbox.js';
import { createPacer } from './app/pacer.js';
import { createParticipationClaims } from './app/participationClaims.js';
import { createReminders } from './app/reminders.js';
import { createResync } from './app/resync.js';
import { createScheduledJobs } from './app/scheduledJobs.js';
import { createSelfCheck, watchedSlack } from './app/selfCheck.js';
import { createSlackHealth } from './app/slackHealth.js';
import { createSubmissionEffects } from './app/submissionEffects.js';
import { createThreadLinks } from './app/threadLinks.js';
import { createWeekCalendar } from './app/weekCalendar.js';
import type { AppConfig } from './config.js';
import { createAdminTickHandler } from './handlers/adminTick.js';
import { createHealthHandler } from './handlers/health.js';
import { createProcessEventHandler } from './handlers/processEvent.js';
import { createHistoryHandler, createMonthsHandler, createStatsHandler } from './handlers/stats.js';
import { createIngressServices } from './ingressServices.js';
import { createMemberSurfaces } from './memberSurfaceServices.js';
import { selfCheckAlertText } from './messages/selfCheckTemplates.js';
import { templatesFor } from './messages/templates.js';
import type { ResyncPort } from './slack/adminCommand.js';

export interface Adapters {
  store: Store;
  queue: QueueSender;
  slack: SlackPort;
  log: Logger;
  now: () => number;
  /** Which host runs the services, and (embedded queue) how many messages wait: for /api/health. */
  host?: 'azure' | 'local';
  queueDepth?: () => number;
  /**
   * While Slack refuses the token, how long a delivery waits for it before it is processed anyway (state recorded,
   * effects left in the outbox). Azure: the trigger cannot be paused, so the delivery itself waits. Locally 0: the
   * host stops its queue consumer instead (selfCheck.onTokenChange), so nothing waits inside a delivery.
   */
  tokenRefusedHoldMs?: number;
  /** While the token is refused, how often the self-check asks Slack again (default 60 s). */
  selfCheckRecheckMs?: number;
  /** Where dead letters are kept (the embedded queue's journal locally); default: the store's copies (Azure). */
  deadLetterBox?: DeadLetterBox;
  /** Re-sync from Slack for `/til admin resync`; without it the admin is told it is not available. */
  resync?: ResyncPort;
}

/** Slack through the Web API, or printed (dry run) when no bot token is configured. */
export function slackFor(config: AppConfig, log: Logger): SlackPort {
  return config.slack.botToken
    ? createWebApiSlack({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, logger: log })
    : createDryRunSlack();
}

/** The outbox sweep's share of a scheduled tick: well inside the timer function's time limit. */
const SWEEP_BUDGET_MS = 2 * 60_000;
/** conversations.replies and reactions.get: Tier 3, 50+ a minute, sporadic bursts welcome. */
const SLACK_TIER_3 = { perMinute: 50, burst: 10 };

/**
 * The composition root shared by the Functions entry and the local server: same handlers, other adapters. It sits
 * above what it composes (app use cases, handlers, adapters); nothing below imports it.
 */
export function createServices(config: AppConfig, adapters: Adapters) {
  const { store, queue, log, now } = adapters;
  const templates = templatesFor(config.locale);
  const { channelId } = config;
  const selfCheck = createSelfCheck({
    slack: adapters.slack,
    dryRun: !config.slack.botToken,
    channelId,
    // The manifest's YAML parser loads when a check first reads it (never in a dry run), off the start-up path.
    requiredScopes: async () => (await import('./slack/appManifest.js')).manifestBotScopes(),
    // `alerts` exists by the time a check runs (the hosts start it once the services are built).
    raiseAlert: (alert, key) => alerts.selfCheckFailed(selfCheckAlertText(config.locale, alert), key),
    log,
    now,
    recheckMs: adapters.selfCheckRecheckMs,
  });
  // Every call's failure is seen by the self-check: the first one that meets a refused token pauses processing.
  const slack = watchedSlack(adapters.slack, selfCheck.noteFailure);
  const members = createMemberDirectory({ store, slack, channel: channelId, now });
  const health = createSlackHealth(now);
  const outbox = createOutboxRunner({ store, now, log, health });
  const adminAlerts = createAdminAlerts({
    store,
    slack,
    outbox,
    channelId,
    adminUserIds: config.adminUserIds,
    templates,
    log,
    now,
  });
  const alerts = adminAlerts.alerts;
  const weeks = createWeekCalendar({ store, config });
  const claims = createParticipationClaims({ store, channelId, weeks });
  const effects = createSubmissionEffects({ store, slack, claims, alerts, config, templates, weeks, now });
  const threadLinks = createThreadLinks({ store, slack, config, log });
  const adoptThread = createAdoption({ store, config, claims });
  const resync = createResync({
    store,
    slack,
    queue,
    config,
    log,
    alerts,
    templates,
    members,
    health,
    pacer: createPacer(SLACK_TIER_3),
    now,
  });
  const admin = createAdminSurfaces({
    config,
    store,
    queue,
    slack,
    templates,
    log,
    now,
    deadLetterBox: adapters.deadLetterBox,
    resync: adapters.resync ?? resync,
  });
  const surfaces = createMemberSurfaces({
    config,
    store,
    queue,
    slack,
    members,
    templates,
    log,
    now,
    adminCommand: admin.subcommand,
  });
  const processor = createEventProcessor({
    processMemberAction: surfaces.processMemberAction,
    processAdminAction: admin.adminActions.process,
    home: surfaces.home,
    store,
    slack,
    members,
    config,
    log,
    outbox,
    effects,
    claims,
    adoptThread,
    health,
    weeks,
    now,
  });
  const reminders = createReminders({ store, slack, config, templates, alerts, outbox, log, now });
  // Submissions and reminders are in every month's partition (cross-partition query); alerts in their own.
  const sweepSources = [
    { query: { type: 'submission' }, performer: effects },
    adminAlerts.sweepSource,
    reminders.sweepSource,
  ] as unknown as {
    query: { type: string; pk?: string };
    performer: Performer<OutboxDoc<OutboxItem>, OutboxItem>;
  }[];
  const jobs = createScheduledJobs({
    store,
    slack,
    config,
    templates,
    alerts,
    log,
    queue,
    threadLinks,
    now,
    weeks,
    sweepOutbox: () => outbox.sweep(sweepSources, SWEEP_BUDGET_MS),
    resync,
    reminders,
  });
  const readSide = { store, members, config, threadLinks, log, now };
  const processEvent = createProcessEventHandler({
    processor,
    alerts,
    store,
    channelId: config.channelId,
    log,
    now,
  });
  const tokenRefusedHoldMs = adapters.tokenRefusedHoldMs ?? 0;
  return {
    config,
    alerts,
    jobs,
    /** `/til admin resync` plugs in here: `{ resyncNow(): Promise<string> }`. */
    resync: { resyncNow: resync.resyncNow },
    ...createIngressServices(config, { queue, now }),
    selfCheck,
    processEvent: {
      ...processEvent,
      /** Held while Slack refuses the token (Azure), so a bad token does not fail delivery after delivery. */
      async process(...args: Parameters<typeof processEvent.process>) {
        if (tokenRefusedHoldMs > 0 && !(await selfCheck.whenTokenWorks(tokenRefusedHoldMs))) {
          log.warn(
            `process-event ${args[1].messageId}: Slack still refuses the token after ${tokenRefusedHoldMs / 60_000} min; recording the event, its effects wait in the outbox`,
          );
        }
        return processEvent.process(...args);
      },
    },
    slackCommands: surfaces.slackCommands,
    slackInteractions: surfaces.slackInteractions,
    slackReceivers: { command: surfaces.receiveCommand, interaction: surfaces.receiveInteraction },
    stats: createStatsHandler(readSide),
    months: createMonthsHandler(readSide),
    history: createHistoryHandler(readSide),
    health: createHealthHandler({
      host: adapters.host ?? 'local',
      queueDepth: adapters.queueDepth,
      selfCheck,
    }),
    adminTick: createAdminTickHandler({
      adminToken: config.adminToken,
      jobs,
      timeZone: config.rules.timeZone,
      now,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
