import type { SlackPort } from '../adapters/slack/slack.js';
import type { Templates } from '../messages/templates.js';
import { describeError, type Logger } from './logger.js';

/**
 * DMs the operators when something could not be done. Best effort: an alert that cannot be delivered is
 * logged, never thrown, so it cannot mask the failure it reports.
 */
export interface AdminAlerts {
  deadLettered(input: { eventId: string; deliveries: number; reason: string }): Promise<void>;
  scheduledPostFailed(input: { job: string; reason: string }): Promise<void>;
  slackCallFailed(input: { method: string; reason: string; eventId?: string }): Promise<void>;
}

export function createAdminAlerts(deps: {
  slack: SlackPort;
  adminUserIds: string[];
  templates: Templates;
  log: Logger;
}): AdminAlerts {
  const { slack, adminUserIds, templates, log } = deps;
  const send = async (text: string) => {
    log.warn(`admin alert: ${text}`);
    await Promise.all(
      adminUserIds.map((userId) =>
        slack
          .sendDirectMessage(userId, text)
          .catch((error) => log.error(`could not alert admin ${userId}: ${describeError(error)}`)),
      ),
    );
  };
  return {
    deadLettered: (input) => send(templates.alertDeadLettered(input)),
    scheduledPostFailed: (input) => send(templates.alertScheduledPostFailed(input)),
    slackCallFailed: (input) => send(templates.alertSlackCallFailed(input)),
  };
}
