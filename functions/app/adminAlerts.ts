import type { SlackPort } from '../adapters/slack/slack.js';
import type { Templates } from '../messages/templates.js';
import { describeError, type Logger } from './logger.js';

/**
 * DMs the operators when something could not be done. An alert that cannot be delivered to an admin is logged,
 * never thrown, so it cannot mask the failure it reports; each call resolves with how many admins were told,
 * so a caller that must not lose its alert (a dead letter) can retry it.
 */
export interface AdminAlerts {
  /** How many admins there are to tell (ADMIN_USER_IDS). */
  readonly admins: number;
  deadLettered(input: { eventId: string; deliveries: number; reason: string }): Promise<number>;
  scheduledPostFailed(input: { job: string; reason: string }): Promise<number>;
  slackCallFailed(input: { method: string; reason: string; eventId?: string }): Promise<number>;
}

export function createAdminAlerts(deps: {
  slack: SlackPort;
  adminUserIds: string[];
  templates: Templates;
  log: Logger;
}): AdminAlerts {
  const { slack, adminUserIds, templates, log } = deps;
  const send = async (text: string): Promise<number> => {
    log.warn(`admin alert: ${text}`);
    const told = await Promise.all(
      adminUserIds.map((userId) =>
        slack.sendDirectMessage(userId, text).then(
          () => true,
          (error) => {
            log.error(`could not alert admin ${userId}: ${describeError(error)}`);
            return false;
          },
        ),
      ),
    );
    return told.filter(Boolean).length;
  };
  return {
    admins: adminUserIds.length,
    deadLettered: (input) => send(templates.alertDeadLettered(input)),
    scheduledPostFailed: (input) => send(templates.alertScheduledPostFailed(input)),
    slackCallFailed: (input) => send(templates.alertSlackCallFailed(input)),
  };
}
