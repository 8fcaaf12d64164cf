import { defineConfig } from 'vitest/config';

// Two projects: unit tests (no guest, no server; seconds) and integration tests
// (real guests, the embedded S3 server, Ceph RGW, the sector service's processes).
// `npm test` runs both; `npm run test:unit` and `npm run test:integration` one each.
// Forks, so that a test file that loads libunicorn or maps shared memory cannot
// disturb another; generous timeouts for guests on a loaded 2-core machine.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts', 'sector/tests/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts', 'sector/tests/integration/**/*.test.ts'] } },
    ],
  },
});
