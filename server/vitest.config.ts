import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/test/build-is-current.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
