/**
 * Paces calls to one Slack method family within its rate tier: a token bucket of `burst` calls refilled at
 * `perMinute`, so a short read goes at once and a long one settles at the tier's rate (Tier 3: 50 a minute, with
 * "sporadic bursts welcome"). Slack's 429 stays the authority (the Web API adapter honours Retry-After); this
 * only keeps the re-sync from provoking it. Real time, like the adapter's retries: a test's clock may stand still.
 */
export interface Pacer {
  /** Resolves when the next call may be made. */
  take(): Promise<void>;
}

export function createPacer(options: {
  perMinute: number;
  burst: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): Pacer {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const msPerCall = 60_000 / options.perMinute;
  let tokens = options.burst;
  let refilledAt = now();
  let queue = Promise.resolve();

  function refill() {
    const at = now();
    tokens = Math.min(options.burst, tokens + (at - refilledAt) / msPerCall);
    refilledAt = at;
  }

  return {
    take() {
      // One waiter at a time, in order.
      const turn = queue.then(async () => {
        refill();
        while (tokens < 1) {
          await sleep(Math.ceil((1 - tokens) * msPerCall));
          refill();
        }
        tokens -= 1;
      });
      queue = turn;
      return turn;
    },
  };
}
