import type { SlackPort } from '../adapters/slack/slack.js';
import type { Templates } from '../messages/templates.js';
import type { HomeTab } from './homeTab.js';
import { describeError, type Logger } from './logger.js';
import { type MemberActions, memberActionText } from './memberActions.js';
import type { MemberActionMessage } from './queuedEvent.js';

export interface CommandProcessorDeps {
  memberActions: MemberActions;
  slack: SlackPort;
  home: HomeTab;
  templates: Templates;
  log: Logger;
}

/**
 * Applies a member's action taken from the queue (`/til pass`, a Home button) and answers it: through the
 * command's response_url, or by re-publishing the member's Home with the answer on top. The action is one
 * conditional write (app/memberActions.ts), so a redelivery applies once and answers as the first delivery did;
 * the answer itself is best effort (the state is what counts, and the Home shows it at the next opening).
 */
export function createCommandProcessor(deps: CommandProcessorDeps) {
  const { memberActions, slack, home, templates, log } = deps;

  return async function processMemberAction(message: MemberActionMessage) {
    const { action, userId, atMs, actionId, reply } = message;
    const result = await memberActions.apply({ action, userId, atMs, actionId });
    const text = memberActionText(result, templates);
    if (reply.to === 'home') {
      await home.publish(userId, text);
    } else {
      await slack.respond(reply.url, { text }).catch((error: unknown) => {
        log.warn(`answer to ${actionId} for ${userId} not delivered: ${describeError(error)}`);
      });
    }
    return { applied: true as const, effects: 0 };
  };
}

export type CommandProcessor = ReturnType<typeof createCommandProcessor>;
