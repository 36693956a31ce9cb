/**
 * The expiry rule every store shares, written once. An entry written at `now` with `ttlMs` expires
 * at `now + ttlMs`, and is gone from that instant on: alive at `ttlMs - 1` ms, expired at `ttlMs`
 * (the conformance kit checks this edge). `Infinity` means no expiry, and stays `Infinity`.
 */

/** The `expiresAt` of an entry that never expires. */
export const NEVER = Number.POSITIVE_INFINITY;

/** Epoch ms at which an entry written at `now` with `ttlMs` (positive, or `Infinity`) expires. */
export function expiresAt(now: number, ttlMs: number): number {
  return now + ttlMs;
}

/** True when an entry with `expiresAt` is gone at `now` (exactly at its TTL, not a ms later). */
export function isExpired(expiresAt: number, now: number): boolean {
  return expiresAt <= now;
}

/** `CacheEntryMetadata.expiresAt` for a stored `expiresAt`: `null` for no expiry. */
export function expiryMetadata(expiresAt: number): number | null {
  return expiresAt === NEVER ? null : expiresAt;
}

/** The clock of one store: `StoreConfig.now` with the expiry rule bound to it. */
export interface ExpiryClock {
  /** The store's clock (`StoreConfig.now`), in epoch ms. */
  readonly now: () => number;
  /** `expiresAt` of an entry written now with `ttlMs`. */
  expiresAt(ttlMs: number): number;
  /** True when an entry with `expiresAt` is gone now. */
  isExpired(expiresAt: number): boolean;
}

/**
 * An `ExpiryClock` over `now` (pass `StoreConfig.now`: the cache's clock, possibly a test's fake).
 *
 * @example
 * const clock = expiryClock(config.now);
 * entry.expiresAt = clock.expiresAt(ttlMs);
 * if (clock.isExpired(entry.expiresAt)) remove(key, 'expired');
 */
export function expiryClock(now: () => number): ExpiryClock {
  return {
    now,
    expiresAt: (ttlMs) => now() + ttlMs,
    isExpired: (at) => at <= now(),
  };
}
