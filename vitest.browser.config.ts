import { defineConfig } from 'vitest/config';

// The dashboard's browser tests run after the others (npm test), one file at a time: each drives
// a headless Chromium, and two beside each other on a 2-core machine only add noise.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/browser/**/*.test.ts'],
    reporters: ['default', './test/reporters/summary-line.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    // A page catches up by itself, but a loaded machine may take seconds: polls wait, never fail on time alone.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 60_000,
  },
});
