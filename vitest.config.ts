import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    // The browser, chaos and cluster-only suites run alone, after these (vitest.browser.config.ts,
    // vitest.chaos.config.ts, vitest.cluster.config.ts).
    exclude: [...configDefaults.exclude, 'test/chaos/**', 'test/browser/**', 'test/integration/cluster/**'],
    reporters: ['default', './test/reporters/summary-line.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    typecheck: {
      enabled: true,
      include: ['test/types/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
