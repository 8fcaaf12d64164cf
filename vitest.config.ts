import { defineConfig } from 'vitest/config';

// Integration tests boot real guests and start real servers: generous timeouts,
// and forks so a test that loads libunicorn cannot disturb another.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
