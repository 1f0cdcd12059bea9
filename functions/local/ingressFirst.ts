/**
 * `npm start` accepts Slack's requests and processes the queue in one process, on the same CPU. Slack retries a
 * request not answered within 3 s (and so sends more), while an accepted event is durable and can wait: so during
 * a burst of requests the processor steps aside. Before each delivery it waits until no request has arrived for
 * `quietMs`, but never longer than `maxWaitMs`, so processing keeps going (slowly) under any load and runs at full
 * speed once the burst is over. In Azure the two are separate Functions and need none of this.
 */
export interface IngressFirstOptions {
  /** A gap between requests this long counts as quiet. Default 2 ms. */
  quietMs?: number;
  /** The longest a delivery waits for quiet. Default 20 ms. */
  maxWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface IngressFirst {
  /** Called for every request the server receives. */
  requestArrived(): void;
  /** Resolves when a delivery may start. */
  turn(): Promise<void>;
}

export function ingressFirst(options: IngressFirstOptions = {}): IngressFirst {
  const {
    quietMs = 2,
    maxWaitMs = 20,
    now = () => performance.now(),
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  } = options;
  let lastRequestAt = Number.NEGATIVE_INFINITY;
  return {
    requestArrived() {
      lastRequestAt = now();
    },
    async turn() {
      const giveUpAt = now() + maxWaitMs;
      for (let at = now(); at - lastRequestAt < quietMs && at < giveUpAt; at = now()) {
        await sleep(Math.min(quietMs, giveUpAt - at));
      }
    },
  };
}
