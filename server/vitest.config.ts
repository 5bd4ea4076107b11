import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/test/build-is-current.ts'],
    // Generous: the fault and cluster tests restart processes, and CI machines can be busy.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
