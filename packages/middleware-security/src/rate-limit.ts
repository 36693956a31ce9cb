import {
  CacheError,
  type CacheMetrics,
  type MiddlewareHost,
  type MiddlewareObject,
  type OperationContext,
} from '@gocache/core';
import { optionError } from './options.js';
import { recordSecurityEvent } from './security-event.js';
import { TokenBuckets } from './token-bucket.js';

/**
 * What a bucket is keyed by:
 * - `'keyPrefix'`: the part of each key before the first `separator` (the whole key if none);
 *   a batch takes one token from each distinct prefix; keyless operations use the bucket `'*'`.
 * - `{ attribute: name }`: the per-call attribute `name` (e.g. a caller id); calls without it share
 *   one anonymous bucket.
 * - a function of the operation returning the bucket name.
 */
export type RateLimitBy = 'keyPrefix' | { attribute: string } | ((ctx: OperationContext) => string);

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Tokens a bucket holds when full: the burst allowed. */
  capacity: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
  /** What a bucket is keyed by. @default 'keyPrefix' */
  by?: RateLimitBy | undefined;
  /** Separator of `'keyPrefix'` mode. @default ':' */
  separator?: string | undefined;
  /**
   * Buckets kept; past it the least recently used is dropped (and comes back full).
   * @default 10000
   */
  maxBuckets?: number | undefined;
  /** Clock in ms (monotonic). @default performance.now */
  now?: (() => number) | undefined;
}

const ANONYMOUS = '\u0000anonymous';

/**
 * A token bucket per key prefix or per caller attribute. An operation with no token left is
 * refused with `RATE_LIMITED` before anything is read or written, and a `rate_limited` security
 * event (severity `low`) is recorded. Put it before `keyHashing` when buckets are keyed by prefix.
 *
 * @example
 * rateLimit({ capacity: 100, refillPerSecond: 50, by: { attribute: 'caller' } })
 */
export function rateLimit(options: RateLimitOptions): MiddlewareObject {
  if (options === null || typeof options !== 'object') {
    throw optionError('rateLimit', 'options must be an object such as { capacity: 100, refillPerSecond: 50 }');
  }
  const { capacity, refillPerSecond } = options;
  if (typeof capacity !== 'number' || !Number.isFinite(capacity) || capacity < 1) {
    throw optionError('rateLimit', `capacity must be a finite number ≥ 1, got ${String(capacity)}`);
  }
  if (typeof refillPerSecond !== 'number' || !Number.isFinite(refillPerSecond) || refillPerSecond < 0) {
    throw optionError('rateLimit', `refillPerSecond must be a finite number ≥ 0, got ${String(refillPerSecond)}`);
  }
  const maxBuckets = options.maxBuckets ?? 10_000;
  if (!Number.isSafeInteger(maxBuckets) || maxBuckets < 1) {
    throw optionError('rateLimit', `maxBuckets must be a whole number ≥ 1, got ${String(maxBuckets)}`);
  }
  const by = options.by ?? 'keyPrefix';
  const separator = options.separator ?? ':';
  if (typeof separator !== 'string' || separator.length === 0) {
    throw optionError('rateLimit', 'separator must be a non-empty string');
  }
  let bucketsOf: (ctx: OperationContext) => string[];
  if (by === 'keyPrefix') {
    const prefix = (k: string) => {
      const i = k.indexOf(separator);
      return i < 0 ? k : k.slice(0, i);
    };
    bucketsOf = (ctx) => {
      const keys = ctx.keys ?? ctx.entries?.map((e) => e[0]) ?? (ctx.key === undefined ? [] : [ctx.key]);
      return keys.length === 0 ? ['*'] : [...new Set(keys.map(prefix))];
    };
  } else if (typeof by === 'function') {
    bucketsOf = (ctx) => [String(by(ctx))];
  } else if (by !== null && typeof by === 'object' && typeof by.attribute === 'string') {
    const name = by.attribute;
    bucketsOf = (ctx) => {
      const v = ctx.attributes[name];
      return [v === undefined || v === null ? ANONYMOUS : String(v)];
    };
  } else {
    throw optionError('rateLimit', "by must be 'keyPrefix', { attribute: 'name' } or a function (ctx) => string");
  }
  const now = options.now ?? (() => performance.now());
  const buckets = new TokenBuckets(capacity, refillPerSecond, maxBuckets);
  let metrics: CacheMetrics | undefined;

  return {
    name: 'rateLimit',
    attach(host: MiddlewareHost) {
      metrics = host.metrics;
    },
    handle(ctx, next) {
      const names = bucketsOf(ctx);
      const t = now();
      const taken: string[] = [];
      for (const n of names) {
        const wait = buckets.take(n, 1, t);
        if (wait === 0) {
          taken.push(n);
          continue;
        }
        for (const done of taken) buckets.refund(done, 1);
        recordSecurityEvent(metrics, ctx.cacheName, 'rate_limited', 'low', { op: ctx.op });
        return Promise.reject(
          new CacheError(
            'RATE_LIMITED',
            `rate limit of ${capacity} per burst / ${refillPerSecond} per second exceeded; nothing was read or written — retry in ${Number.isFinite(wait) ? `${wait} ms` : 'never (refillPerSecond is 0)'}`,
            { cacheName: ctx.cacheName, op: ctx.op, key: ctx.key },
          ),
        );
      }
      return next();
    },
  };
}
