import { defineConfig } from 'vitest/config';

// The short chaos suite runs on its own, after the other tests (npm test): it times leases
// against real processes, and other test files running beside it would only add noise.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    reporters: ['default', './test/reporters/summary-line.ts'],
    testTimeout: 300_000,
  },
});
