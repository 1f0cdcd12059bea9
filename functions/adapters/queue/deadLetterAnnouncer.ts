import type { DeadLetter } from './embeddedQueueState.js';

export interface AnnouncerDeps {
  /** Dead letters not yet announced, oldest first. */
  unannounced: () => DeadLetter[];
  /** Calls onDeadLetter and records the announcement; throws when either fails. */
  announce: (deadLetter: DeadLetter) => Promise<void>;
  /** Runs the work where stop() and idle() can see it; `settle` runs once it is done. */
  track: (work: Promise<void>, what: string, settle: () => void) => void;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/**
 * Announces dead letters one at a time, oldest first. An announcement that fails is retried later, with a
 * delay that doubles up to `maxRetryDelayMs`, while the others go on: one alert that cannot be sent (an
 * onDeadLetter that throws for that message, whatever it throws) never holds back the alerts about later ones.
 */
export class DeadLetterAnnouncer {
  /** sequenceNumber → failed attempts so far and the earliest time of the next one. */
  private readonly retries = new Map<number, { failures: number; notBefore: number }>();
  private running = false;
  private wokenWhileRunning = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: AnnouncerDeps) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Announces what is due now; called whenever a message is dead-lettered. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wokenWhileRunning = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = true;
    this.deps.track(this.announceDue(), 'announcing dead letters', () => {
      this.running = false;
      if (this.wokenWhileRunning) {
        this.wokenWhileRunning = false;
        this.wake();
      } else {
        this.scheduleRetry();
      }
    });
  }

  private async announceDue(): Promise<void> {
    for (let next = this.nextDue(); next && !this.stopped; next = this.nextDue()) {
      const { sequenceNumber, messageId } = next.message;
      try {
        await this.deps.announce(next);
        this.retries.delete(sequenceNumber);
      } catch (error) {
        if (this.stopped) return;
        const failures = (this.retries.get(sequenceNumber)?.failures ?? 0) + 1;
        const delayMs = Math.min(this.deps.retryDelayMs * 2 ** (failures - 1), this.deps.maxRetryDelayMs);
        this.retries.set(sequenceNumber, { failures, notBefore: Date.now() + delayMs });
        console.error(
          `embedded queue: announcing dead letter ${messageId} failed (attempt ${failures}), ` +
            `retrying in ${delayMs} ms: ${describeError(error)}`,
        );
      }
    }
  }

  private nextDue(): DeadLetter | undefined {
    const now = Date.now();
    return this.deps
      .unannounced()
      .find(({ message }) => (this.retries.get(message.sequenceNumber)?.notBefore ?? 0) <= now);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const waiting = this.deps.unannounced().map(({ message }) => this.retries.get(message.sequenceNumber));
    if (waiting.length === 0) return;
    const soonest = Math.min(...waiting.map((retry) => retry?.notBefore ?? 0));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.wake();
      },
      Math.max(0, soonest - Date.now()),
    );
  }
}

/** A description of whatever was thrown, even a value whose conversion to a string throws. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'a thrown value that cannot be described';
  }
}
