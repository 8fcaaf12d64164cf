import { defineConfig } from 'vitest/config';

// Integration tests boot real guests and start real servers: generous timeouts,
// and forks so a test that loads libunicorn cannot disturb another. The sector
// exercise's tests (a workspace of its own, sector/) run here too; `npm test -w
// @unikv/sector` runs them alone with sector/vitest.config.ts.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'sector/tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
