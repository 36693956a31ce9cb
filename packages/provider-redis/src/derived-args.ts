import type { DerivedIndexes } from '@gocache/core';
import type { KeyLayout } from './key-layout.js';

/**
 * The WRITE script's trailing arguments for value-derived memberships: entry key prefix, managed
 * index prefixes, and one (index set key, max or '', r|e) triple per membership of `value`.
 * Calls `derive`, which may throw a `CacheError` to refuse the write before anything is sent.
 */
export function derivedArgs(d: DerivedIndexes, layout: KeyLayout, key: string, value: unknown): string[] {
  const pairs = d.derive(key, value);
  const managed = [...d.names].map((n) => layout.index(n, ''));
  const triples: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const limit = d.limits.get(pairs[i]!);
    triples.push(
      layout.index(pairs[i]!, pairs[i + 1]!),
      limit === undefined ? '' : String(limit.max),
      limit?.onExceed === 'reject' ? 'r' : 'e',
    );
  }
  return [layout.entryPrefix, String(managed.length), ...managed, String(triples.length / 3), ...triples];
}
