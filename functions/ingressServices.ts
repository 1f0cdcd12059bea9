import type { QueueSender } from './adapters/queue/queue.js';
import type { AppConfig } from './config.js';
import { createSlackEventsHandler } from './handlers/slackEvents.js';
import { createEventReceiver } from './slack/eventReceiver.js';

/**
 * The part of the composition root that accepts Slack events (the signed Events API route and the receiver behind
 * it, which Socket Mode calls too): all a first event needs, apart from the queue. `services.ts` includes it; the
 * local server builds it alone before it listens and loads the rest (processor, jobs, read side, self-check)
 * once it does, so a cold start compiles only this much before its first ack.
 */
export function createIngressServices(
  config: AppConfig,
  adapters: { queue: QueueSender; now: () => number },
) {
  const { queue, now } = adapters;
  const { timeZone } = config.rules;
  return {
    /** The Events API receiver behind slack-events, for the other transport (Socket Mode, local/socketMode.ts). */
    receiveEvent: createEventReceiver({ timeZone, queue }),
    slackEvents: createSlackEventsHandler({
      signingSecret: config.slack.signingSecret,
      timeZone,
      queue,
      now,
    }),
  };
}

export type IngressServices = ReturnType<typeof createIngressServices>;
