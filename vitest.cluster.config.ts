import { defineConfig } from 'vitest/config';

/**
 * The engine's canvas (maps, replacements and error callbacks included), resume, cancel, retry and crash tests again, on a private Redis Cluster of
 * three primaries with runs spread over six shards: every script must run in one slot (a CROSSSLOT
 * reply fails the test), and every read that spans runs must find them in every shard.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup-cluster.ts'],
    include: [
      'test/integration/canvas.test.ts',
      'test/integration/reopen-cancel.test.ts',
      'test/integration/failure.test.ts',
      'test/integration/worker-crash.test.ts',
      'test/integration/result.test.ts',
      'test/integration/map.test.ts',
      'test/integration/replace.test.ts',
      'test/integration/on-error.test.ts',
      'test/integration/schedules.test.ts',
      'test/integration/cluster/**/*.test.ts',
    ],
    reporters: ['default', './test/reporters/summary-line.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
