import { describe, expect, it } from 'vitest';
import { createPacer } from '../../functions/app/pacer.js';

describe('pacer (Tier 3 token bucket)', () => {
  it('lets a burst through at once, then one call per 60/perMinute seconds', async () => {
    let clock = 0;
    const waits: number[] = [];
    const pacer = createPacer({
      perMinute: 50,
      burst: 3,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      await pacer.take();
      times.push(clock);
    }
    expect(times.slice(0, 3)).toEqual([0, 0, 0]);
    expect(times.slice(3)).toEqual([1200, 2400, 3600]);
    // Idle for a minute refills the burst, never more than it.
    clock += 60_000;
    const before = waits.length;
    for (let i = 0; i < 3; i++) await pacer.take();
    expect(waits.length).toBe(before);
    await pacer.take();
    expect(waits.length).toBe(before + 1);
  });
});
