import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{packages,services,simulators,bench}/*/src/**/*.test.ts', 'test/**/*.test.ts', 'infra/**/*.test.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers only add contention with the servers under test.
    maxWorkers: 2,
  },
});
