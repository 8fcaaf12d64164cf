import { defineConfig } from 'vitest/config';

// The exercise's tests start real services and clients: generous timeouts, and forks
// so that koffi and the futexes of one test file cannot disturb another. The
// repository's own vitest.config.ts runs these files too (npm test at the root).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
