/**
 * App Home clicks, whatever carried them (HTTP here, Socket Mode elsewhere): a button that changes something is
 * queued as that member's action, answered by re-publishing their Home; a link button needs nothing.
 */
import type { QueueSender } from '../adapters/queue/queue.js';
import { type MemberActionMessage, memberActionMessage } from '../app/queuedEvent.js';
import { memberActionOfButton } from './homeActions.js';
import type { BlockActions } from './interaction.js';

export interface InteractionReceiverDeps {
  timeZone: string;
  queue: QueueSender;
  now: () => number;
}

/** A click's messageId: one per trigger_id (and action), so a redelivered click is applied once. */
export const interactionActionId = (triggerId: string, index: number) =>
  index === 0 ? `interaction:${triggerId}` : `interaction:${triggerId}:${index}`;

export type InteractionOutcome = { queued: number; ignored: string[] };

export function createInteractionReceiver(deps: InteractionReceiverDeps) {
  return async function receive(interaction: BlockActions): Promise<InteractionOutcome> {
    const nowMs = deps.now();
    // A click in a message (none are made yet) has a response_url; one in the Home tab is answered there.
    const reply: MemberActionMessage['reply'] = interaction.response_url
      ? { to: 'response_url', url: interaction.response_url }
      : { to: 'home' };
    const outcome: InteractionOutcome = { queued: 0, ignored: [] };
    for (const [index, { action_id }] of interaction.actions.entries()) {
      const action = memberActionOfButton(action_id);
      if (!action) {
        outcome.ignored.push(action_id);
        continue;
      }
      await deps.queue.send(
        memberActionMessage(
          {
            action,
            userId: interaction.user.id,
            atMs: nowMs,
            actionId: interactionActionId(interaction.trigger_id, index),
          },
          reply,
          deps.timeZone,
        ),
      );
      outcome.queued++;
    }
    return outcome;
  };
}

export type InteractionReceiver = ReturnType<typeof createInteractionReceiver>;
