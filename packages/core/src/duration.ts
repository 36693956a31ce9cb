import { CacheError } from './errors.js';
import type { Duration } from './types.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Longest finite duration accepted (~31,700 years): past it, the caller meant "never" and must say `Infinity`. */
export const MAX_FINITE_DURATION_MS = 1e15;

const PART = /(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)/gy;

/** Where a duration is parsed, for error messages. */
export interface DurationSite {
  cacheName: string;
  op: string;
  /** What the duration is for, e.g. `'ttl'`, `'loaderTimeout'`. */
  what?: string;
}

/**
 * Parse a `Duration` into milliseconds: a positive finite number of ms, or `Infinity`.
 * Strings are one or more `<number><unit>` parts (`'250ms'`, `'1.5h'`, `'1h30m'`) with units
 * ms, s, m, h, d, w; `'Infinity'` is accepted for symmetry with the number.
 * Anything else — 0, negatives, NaN, unknown units — throws `INVALID_TTL`.
 */
export function parseDuration(d: Duration, site: DurationSite = { cacheName: '?', op: 'parseDuration' }): number {
  if (typeof d === 'number') {
    if (d === Number.POSITIVE_INFINITY) return d;
    if (d > 0 && d <= MAX_FINITE_DURATION_MS) return d;
    throw invalid(String(d), site);
  }
  if (typeof d === 'string') {
    const s = d.trim();
    if (s === 'Infinity') return Number.POSITIVE_INFINITY;
    let total = 0;
    let at = 0;
    PART.lastIndex = 0;
    while (at < s.length) {
      PART.lastIndex = at;
      const m = PART.exec(s);
      if (m === null) throw invalid(JSON.stringify(d), site);
      total += Number(m[1]) * UNITS[m[2]!]!;
      at = PART.lastIndex;
      while (s[at] === ' ') at++;
    }
    if (s.length > 0 && total > 0 && total <= MAX_FINITE_DURATION_MS) return total;
    throw invalid(JSON.stringify(d), site);
  }
  throw invalid(typeof d, site);
}

function invalid(shown: string, site: DurationSite): CacheError {
  const what = site.what ?? 'ttl';
  return new CacheError(
    'INVALID_TTL',
    `${what} ${shown} is not a duration: give a positive number of milliseconds or a string like '250ms', '15m', '24h', '30d' (at most ${MAX_FINITE_DURATION_MS} ms); for no expiry pass Infinity`,
    { cacheName: site.cacheName, op: site.op },
  );
}
