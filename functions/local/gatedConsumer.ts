/**
 * The embedded queue's consumer for `npm start`, paused while Slack refuses the bot token (the self-check says
 * when): events keep being accepted and wait in the queue, none is delivered (so none burns a delivery or is
 * dead-lettered), and delivery resumes once a re-check finds the token working.
 */
import type { EmbeddedQueue } from '../adapters/queue/embeddedQueue.js';
import type { Logger } from '../app/logger.js';
import type { Services } from '../services.js';

export interface GatedConsumer {
  /** Whether messages are being delivered now. */
  consuming(): boolean;
  /** Stops delivering for good (shutdown); in-flight deliveries settle first. */
  close(): Promise<void>;
}

export async function startGatedConsumer(
  queue: EmbeddedQueue,
  services: Pick<Services, 'processEvent' | 'selfCheck'>,
  log: Logger,
  /** Awaited before each delivery (local/ingressFirst.ts: requests first, processing after). */
  beforeDelivery: () => Promise<void> = async () => {},
): Promise<GatedConsumer> {
  const { processEvent, selfCheck } = services;
  let consuming = false;
  let closed = false;
  /** Pauses and resumes one after another: a stop still settling is not overtaken by a start. */
  let transition: Promise<void> = Promise.resolve();

  const resume = () => {
    if (consuming || closed) return;
    consuming = true;
    queue.start(
      async (message) => {
        await beforeDelivery();
        await processEvent.process(message.body, message);
      },
      (message, reason) => processEvent.deadLettered({ ...message, reason }),
    );
  };
  const pause = async () => {
    if (!consuming) return;
    consuming = false;
    await queue.stop();
    log.warn(`queue consumer paused: ${queue.pendingCount()} event(s) wait until Slack accepts the token`);
  };

  const unsubscribe = selfCheck.onTokenChange((works) => {
    transition = transition.then(() => (works ? resume() : pause()));
  });
  await selfCheck.firstReport();
  if (!selfCheck.tokenRefused()) transition = transition.then(resume);
  await transition;

  return {
    consuming: () => consuming,
    async close() {
      closed = true;
      unsubscribe();
      await transition;
      consuming = false;
    },
  };
}
