import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Resolve every `@gocache/*` import (and its subpath exports) to source, so tests need no build. */
function sourceAliases(): { find: string | RegExp; replacement: string }[] {
  const aliases: { find: string | RegExp; replacement: string }[] = [];
  const dir = join(root, 'packages');
  for (const name of readdirSync(dir)) {
    const pkgFile = join(dir, name, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string; gocacheSource?: Record<string, string> };
    const entries = pkg.gocacheSource ?? { '.': './src/index.ts' };
    // Longest subpath first so '@gocache/core/conformance' wins over '@gocache/core'.
    for (const [sub, file] of Object.entries(entries).sort((a, b) => b[0].length - a[0].length)) {
      const spec = sub === '.' ? pkg.name : `${pkg.name}/${sub.replace(/^\.\//, '')}`;
      aliases.push({ find: new RegExp(`^${spec.replace(/[/.]/g, '\\$&')}$`), replacement: join(dir, name, file) });
    }
  }
  return aliases;
}

/** Options of `gocacheVitest`. */
export interface GocacheVitestOptions {
  /** Add the `int` project (`*.int.test.ts`). @default false */
  int?: boolean;
  /** Per-test timeout in ms. @default 20000 (unit), 60000 (int) */
  testTimeout?: number;
  /**
   * globalSetup file(s) of the `int` project only (e.g. start a Redis Cluster once per run), as
   * absolute paths or relative to the package. Unit tests never pay for them.
   * @default none
   */
  intGlobalSetup?: string | string[];
}

/**
 * The shared vitest preset: a `unit` project (`*.test.ts`) and an `int` project
 * (`*.int.test.ts`, tests that need real servers such as Redis; run serially).
 */
export function gocacheVitest(opts: GocacheVitestOptions = {}) {
  const alias = sourceAliases();
  const projects = [
    {
      resolve: { alias },
      test: {
        name: 'unit',
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        testTimeout: opts.testTimeout ?? 20_000,
      },
    },
  ];
  if (opts.int) {
    const intExtras = {
      fileParallelism: false,
      hookTimeout: 120_000,
      ...(opts.intGlobalSetup === undefined ? {} : { globalSetup: opts.intGlobalSetup }),
    };
    projects.push({
      resolve: { alias },
      test: {
        name: 'int',
        include: ['src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
        exclude: ['**/node_modules/**'],
        testTimeout: opts.testTimeout ?? 60_000,
        // biome-ignore lint/suspicious/noExplicitAny: vitest's project type is wider than this literal
        ...(intExtras as any),
      },
    });
  }
  // The JSON report lets `npm test` close with one "N passed, N failed" line over every package.
  return defineConfig({
    resolve: { alias },
    test: { projects, reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]] },
  });
}
