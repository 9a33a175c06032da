import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two tiers (STYLE.md §15): unit tests need no network; integration tests use real services.
// The alert replays are integration tests too (the real simulator, the real rule pack, a store on
// disk) but use no service and no port: each is one CPU-bound process, so they get their own
// project that runs beside the unit tests on the second core instead of in the one-at-a-time
// queue of the service tests.
const replayTests = ['alerts/src/cli/replay.*.int.test.ts', 'alerts/src/**/*.simulator.int.test.ts'];

export default defineConfig({
  test: {
    // vitest's default is one worker fewer than the cores: one worker on a 2-core box, where the
    // unit tests and the replays (each a single-threaded process) then queue behind each other.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{contracts,collector,alerts,dashboard}/**/*.test.{ts,tsx}'],
          exclude: ['**/node_modules/**', '**/*.int.test.{ts,tsx}'],
          environment: 'node',
          // A few unit tests replay long random streams (0.7–3 s alone); with two workers on two
          // cores, beside another CPU-bound file, vitest's 5 s default cut them off. A hang still fails.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{contracts,collector,alerts,dashboard}/**/*.int.test.{ts,tsx}'],
          exclude: ['**/node_modules/**', ...replayTests],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration tests start real servers and processes; run files one at a time on 2 cores.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'replay',
          include: replayTests,
          exclude: ['**/node_modules/**'],
          environment: 'node',
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
