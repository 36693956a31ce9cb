import type { DerivedIndexes } from '@gocache/core';
import type { KeyLayout } from './key-layout.js';

/** The part of the derived-membership arguments that is the same on every write of a cache. */
export function fixedDerivedArgs(d: DerivedIndexes, layout: KeyLayout): readonly string[] {
  const managed = [...d.names].map((n) => layout.index(n, ''));
  return [layout.entryPrefix, String(managed.length), ...managed];
}

/**
 * The WRITE script's trailing arguments for value-derived memberships: entry key prefix, managed
 * index prefixes (`fixed`, from `fixedDerivedArgs`), and one (index set key, max or '', r|e)
 * triple per membership of `value`. Calls `derive`, which may throw a `CacheError` to refuse the
 * write before anything is sent.
 */
export function derivedArgs(
  d: DerivedIndexes,
  fixed: readonly string[],
  layout: KeyLayout,
  key: string,
  value: unknown,
): string[] {
  const pairs = d.derive(key, value);
  const out = [...fixed, String(pairs.length >> 1)];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const limit = d.limits.get(pairs[i]!);
    out.push(
      layout.index(pairs[i]!, pairs[i + 1]!),
      limit === undefined ? '' : String(limit.max),
      limit?.onExceed === 'reject' ? 'r' : 'e',
    );
  }
  return out;
}
