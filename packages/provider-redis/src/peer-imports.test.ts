import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Runtime (non-type) import specifiers of a module, and the local modules it pulls in. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) walk(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else external.add(spec);
    }
  };
  walk(entry);
  return external;
}

describe('optional peers', () => {
  it('no entry point loads ioredis or redis at runtime (types only)', () => {
    for (const entry of ['index.ts', 'entries/ioredis.ts', 'entries/node-redis.ts']) {
      const external = closure(join(here, entry));
      expect([...external].filter((s) => s === 'ioredis' || s === 'redis' || s.startsWith('@redis/'))).toEqual([]);
      expect(external.has('@gocache/core')).toBe(true);
    }
  });
});
