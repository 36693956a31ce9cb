import { defineConfig } from 'vitest/config';

// Nothing but the defaults a repository of its own would have: `@gocache/core` resolves through
// its package exports to the built `dist`, as it does for any user of the published package.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 20_000 },
});
