import { defineConfig } from 'vitest/config';

/** npm run test:reliability: each scenario against the real local server as a child process; prints its figures. */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    // One scenario at a time: they measure and they kill processes; two at once would blur both.
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
  },
});
