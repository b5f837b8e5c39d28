import { defineConfig } from 'vitest/config';

// Tests pin a time zone with daylight saving, so code that leans on the local zone fails.
process.env['TZ'] = 'America/Los_Angeles';

export default defineConfig({
  test: {
    env: { TZ: 'America/Los_Angeles' },
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{telemetry,infra,cli,generator,batch,speed,serving,eval}/**/*.test.ts', 'dashboard/src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/compose/**'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      {
        extends: true,
        test: {
          // A real Docker engine and `docker compose`: run by `npm run test:compose`, not `npm test`.
          name: 'compose',
          include: ['test/compose/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
