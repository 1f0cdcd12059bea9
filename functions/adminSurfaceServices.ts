/**
 * `/til admin` and dead letters (issue 13), composed for services.ts: the admin subcommand of the `/til` table, the
 * consumer of queued admin actions, and the dead-letter service over the host's box. Part of the composition root:
 * only services.ts imports it.
 */
import type { DeadLetterBox } from './adapters/queue/deadLetterBox.js';
import type { QueueSender } from './adapters/queue/queue.js';
import type { SlackPort } from './adapters/slack/slack.js';
import type { Store } from './adapters/store/store.js';
import { createAdminActions, createAuditTrail } from './app/adminActions.js';
import { composeAward, nextAwardMonth } from './app/awardMessage.js';
import { createDeadLetters } from './app/deadLetters.js';
import type { Logger } from './app/logger.js';
import { createStoredDeadLetterBox } from './app/storedDeadLetterBox.js';
import type { AppConfig } from './config.js';
import type { Templates } from './messages/templates.js';
import { adminCommand, type ResyncPort } from './slack/adminCommand.js';

export interface AdminSurfaceDeps {
  config: AppConfig;
  store: Store;
  queue: QueueSender;
  slack: SlackPort;
  templates: Templates;
  log: Logger;
  now: () => number;
  /** Where the host keeps dead letters: the embedded queue's journal locally; by default the store's copies. */
  deadLetterBox?: DeadLetterBox;
  /** Re-sync from Slack, when the host has it. */
  resync?: ResyncPort;
}

export function createAdminSurfaces(deps: AdminSurfaceDeps) {
  const { config, store, queue, slack, templates, log, now } = deps;
  const channelId = config.channelId;
  const audit = createAuditTrail({ store, channelId });
  const deadLetters = createDeadLetters({
    box: deps.deadLetterBox ?? createStoredDeadLetterBox({ store, channelId, now }),
    queue,
  });
  const adminActions = createAdminActions({ store, slack, config, templates, audit, log });
  const subcommand = adminCommand({
    adminUserIds: config.adminUserIds,
    timeZone: config.rules.timeZone,
    texts: templates,
    async awardPreview(month, nowMs) {
      const chosen = month ?? (await nextAwardMonth({ store, config }, nowMs));
      const award = await composeAward({ store, config, templates, log }, chosen);
      return { month: chosen, ...(award && { text: award.text }) };
    },
    deadLetters,
    audit,
    resync: deps.resync,
    respond: (responseUrl, text) => slack.respond(responseUrl, { text }),
    warn: (message) => log.warn(message),
  });
  return { subcommand, adminActions, deadLetters, audit };
}

export type AdminSurfaces = ReturnType<typeof createAdminSurfaces>;
