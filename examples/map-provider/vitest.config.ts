import { defineConfig } from 'vitest/config';

// Nothing but the defaults a repository of its own would have: `@gocache/core` resolves through
// its package exports to the built `dist`, as it does for any user of the published package. The
// JSON report is what the monorepo's test summary counts; a copy may drop it.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
