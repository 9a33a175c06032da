import { defineConfig } from 'vitest/config';

// Two tiers (STYLE.md §15): unit tests need no network; integration tests use real services.
export default defineConfig({
  test: {
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
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{contracts,collector,alerts,dashboard}/**/*.int.test.{ts,tsx}'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration tests start real servers and processes; run files one at a time on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
