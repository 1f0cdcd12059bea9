import { setTimeout as sleep } from 'node:timers/promises';
import type {
  DeadLetterHandler,
  MessageHandler,
  ReceivedMessage,
} from '../../functions/adapters/queue/queue.js';

/** Records what a queue consumer delivers, for assertions on order, counts and dead letters. */
export class DeliveryLog {
  /** Every handler call, in the order they started. */
  readonly deliveries: ReceivedMessage[] = [];
  /** Handler calls that resolved, in the order they finished. */
  readonly completed: ReceivedMessage[] = [];
  readonly deadLetters: { message: ReceivedMessage; reason: string }[] = [];

  /** A handler that records each delivery around `behaviour` (which may throw to abandon). */
  handler(behaviour: (message: ReceivedMessage) => Promise<void> | void = () => {}): MessageHandler {
    return async (message) => {
      this.deliveries.push(message);
      await behaviour(message);
      this.completed.push(message);
    };
  }

  readonly onDeadLetter: DeadLetterHandler = async (message, reason) => {
    this.deadLetters.push({ message, reason });
  };

  deliveryCountsOf(messageId: string): number[] {
    return this.deliveries.filter((message) => message.messageId === messageId).map((m) => m.deliveryCount);
  }

  completedIds(sessionId?: string): string[] {
    return this.completed
      .filter((message) => sessionId === undefined || message.sessionId === sessionId)
      .map((message) => message.messageId);
  }

  isCompleted(messageId: string): boolean {
    return this.completed.some((message) => message.messageId === messageId);
  }
}

/** Polls until `condition` holds; fails with `description` if it does not within `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  description: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${description}`);
    await sleep(5);
  }
}

/** A promise the test resolves when it chooses, to hold a handler in flight. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
