import { CacheError, MAX_FINITE_DURATION_MS } from '@gocache/core';

/** What a Keyv TTL becomes in gocache: a write with this TTL, or a delete. */
export type MappedTtl = { readonly kind: 'write'; readonly ttl: number | undefined } | { readonly kind: 'delete' };

/** How a write without a TTL is stored: `'none'` never expires, `'cache'` takes the cache's default TTL. */
export type MissingTtl = 'none' | 'cache';

const DELETE: MappedTtl = { kind: 'delete' };
const FOREVER: MappedTtl = { kind: 'write', ttl: Number.POSITIVE_INFINITY };
const CACHE_DEFAULT: MappedTtl = { kind: 'write', ttl: undefined };

/**
 * Map the millisecond TTL Keyv hands a store onto gocache's TTL rules, which refuse `0`, negatives
 * and durations beyond `MAX_FINITE_DURATION_MS`. Keyv sends all of those: a negative TTL from a
 * caller that computed an expiry in the past, `Number.MAX_SAFE_INTEGER` or `Infinity` for "keep".
 * `ttl ≤ 0` deletes (the entry is already expired); beyond the finite range, or not a number
 * (`NaN`, which Keyv's own expiry check also treats as never expiring), means no expiry.
 */
export function mapKeyvTtl(
  ttl: unknown,
  missing: MissingTtl,
  where: { cacheName: string; op: string; key?: string | undefined },
): MappedTtl {
  if (ttl === undefined || ttl === null) return missing === 'cache' ? CACHE_DEFAULT : FOREVER;
  if (typeof ttl !== 'number') {
    throw new CacheError(
      'INVALID_TTL',
      `a Keyv TTL is a number of milliseconds, got ${typeof ttl}; pass a number, or nothing for ${missing === 'cache' ? "the cache's default TTL" : 'no expiry'}`,
      where,
    );
  }
  if (ttl <= 0) return DELETE;
  if (Number.isNaN(ttl) || ttl > MAX_FINITE_DURATION_MS) return FOREVER;
  return { kind: 'write', ttl };
}
