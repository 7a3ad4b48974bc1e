import { defineConfig } from 'vitest/config';

// Two projects: `unit` (mocked SDK clients, no servers, fast) and `e2e` (the built
// bin/ecsctl.js as a subprocess against a live moto server each file starts for itself, and,
// for image tests, a live dockerd + registry). `npm test` builds first and runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup.ts'],
          globals: false,
          // Projects with different maxWorkers need distinct groups, or vitest 4 refuses to run both.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own moto; two cores run two files at a time.
          pool: 'forks',
          maxWorkers: 2,
          fileParallelism: true,
          // Projects with different maxWorkers need distinct group orders, or a run that has
          // files in both (npm test) fails at once; e2e runs after the fast unit group.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
