import { describe, expect, it } from 'vitest';
import { ingressFirst } from '../../functions/local/ingressFirst.js';

/** A clock that only moves when the code under test sleeps, with requests arriving on a schedule. */
function simulated(requestEveryMs: number | undefined) {
  let clock = 0;
  const slept: number[] = [];
  const ingress = ingressFirst({
    quietMs: 2,
    maxWaitMs: 20,
    now: () => clock,
    sleep: async (ms) => {
      slept.push(ms);
      const until = clock + ms;
      // Requests that arrive while the processor sleeps.
      if (requestEveryMs !== undefined) {
        for (let at = Math.ceil(clock / requestEveryMs) * requestEveryMs; at <= until; at += requestEveryMs) {
          clock = at;
          ingress.requestArrived();
        }
      }
      clock = until;
    },
  });
  return { ingress, slept, advance: (ms: number) => (clock += ms), at: () => clock };
}

describe('ingress first (npm start: requests before processing)', () => {
  it('lets a delivery start at once when no request has come', async () => {
    const { ingress, slept } = simulated(undefined);
    await ingress.turn();
    expect(slept).toEqual([]);
  });

  it('lets a delivery start at once when the last request is older than the quiet gap', async () => {
    const { ingress, slept, advance } = simulated(undefined);
    ingress.requestArrived();
    advance(5);
    await ingress.turn();
    expect(slept).toEqual([]);
  });

  it('waits for a gap after a request, then goes', async () => {
    const { ingress, slept, at } = simulated(undefined);
    ingress.requestArrived();
    await ingress.turn();
    expect(slept).toEqual([2]);
    expect(at()).toBe(2);
  });

  it('under requests that never stop, waits at most the longest wait, so processing never starves', async () => {
    const { ingress, at } = simulated(0.5);
    ingress.requestArrived();
    await ingress.turn();
    expect(at()).toBe(20);
    await ingress.turn();
    expect(at()).toBe(40);
  });
});
