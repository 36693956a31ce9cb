import { CacheError } from '@gocache/core';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { Serializer } from './serializer.js';
import { VALUE_KINDS } from './value-domain.js';

/** The cross-process lock `getOrSet` takes on a miss, so that one process loads a key at a time. */
export interface RedisLockOptions {
  /**
   * Take the lock. Off: each process loads on its own miss (single-flight stays per process).
   * @default true
   */
  enabled?: boolean | undefined;
  /**
   * Lease in ms. The holder renews it every `ttl / 3` while its loader runs; a holder that cannot
   * renew (paused, partitioned) loses it and its late write is refused (fencing).
   * @default 10000
   */
  ttl?: number | undefined;
  /**
   * How long a caller waits for another process's load, in ms, before `onTimeout` applies.
   * @default 10000
   */
  wait?: number | undefined;
  /**
   * When the wait runs out: `'load'` runs the loader in this process anyway and stores the result
   * (availability first: a slow or dead holder cannot stall readers); `'throw'` rejects with
   * `LOCK_TIMEOUT`.
   * @default 'load'
   */
  onTimeout?: 'load' | 'throw' | undefined;
}

/** Settings a cache may override through `providerOptions`. */
export interface RedisCacheOptions {
  /**
   * How values become bytes.
   * @default cborSerializer()
   */
  serializer?: Serializer | undefined;
  /**
   * Compress encoded values of at least this many bytes with raw deflate (node:zlib); `false` never.
   * @default false
   */
  compressThreshold?: number | false | undefined;
  /**
   * Largest value (after decompression) a read accepts, in bytes: a guard against compression bombs.
   * @default 67108864 (64 MiB)
   */
  maxValueBytes?: number | undefined;
  /**
   * Bytes under a key that cannot be decoded (corrupt, foreign, another serializer): `'throw'`
   * rejects with `SERIALIZATION`; `'miss'` reads them as a miss. Both record a security event.
   * @default 'throw'
   */
  onDecodeError?: 'throw' | 'miss' | undefined;
  /** Distributed lock for `getOrSet`. `false` turns it off. @default enabled, see {@link RedisLockOptions} */
  lock?: RedisLockOptions | false | undefined;
}

/** Options of `redisProvider`. */
export interface RedisProviderOptions<C = unknown> extends RedisCacheOptions {
  /** An ioredis `Redis`/`Cluster` or a node-redis client/cluster (v5+). You own it: the provider never quits it. */
  client: C;
  /**
   * First part of every key: `<prefix>:<cache>:…`. Letters, digits, `_`, `.`, `-`.
   * @default 'gocache'
   */
  prefix?: string | undefined;
  /**
   * Per-command timeout in ms (`TIMEOUT`); counts as a failure for the circuit breaker.
   * @default 2000
   */
  commandTimeout?: number | undefined;
  /**
   * Fail fast with `UNAVAILABLE` while Redis is down; `false` turns it off.
   * @default { failureThreshold: 5, resetTimeout: 1000 }
   */
  circuitBreaker?: CircuitBreakerOptions | false | undefined;
  /**
   * `COUNT` hint of each SCAN step (patterns, clear): more keys per round trip vs. shorter steps.
   * @default 1000
   */
  scanCount?: number | undefined;
}

/** Lock settings with defaults applied. */
export interface ResolvedLock {
  enabled: boolean;
  ttl: number;
  wait: number;
  onTimeout: 'load' | 'throw';
}

/** Per-cache settings with defaults applied. */
export interface ResolvedCacheOptions {
  serializer: Serializer | undefined;
  compressThreshold: number | undefined;
  maxValueBytes: number;
  onDecodeError: 'throw' | 'miss';
  lock: ResolvedLock;
}

const CACHE_KEYS = ['serializer', 'compressThreshold', 'maxValueBytes', 'onDecodeError', 'lock'];
const PROVIDER_KEYS = [...CACHE_KEYS, 'client', 'prefix', 'commandTimeout', 'circuitBreaker', 'scanCount'];

/** Throw `INVALID_ARGUMENT` naming the option and the fix. */
export function bad(cacheName: string, op: string, message: string): never {
  throw new CacheError('INVALID_ARGUMENT', message, { cacheName, op });
}

/** A positive finite number, or the default. */
export function positive(v: unknown, name: string, dflt: number, cacheName: string, op: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    bad(cacheName, op, `${name} must be a positive finite number of ms/bytes, got ${String(v)}`);
  }
  return v;
}

/** Check an options object for unknown keys (typos would otherwise be ignored silently). */
export function checkKeys(o: object, allowed: readonly string[], cacheName: string, op: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) bad(cacheName, op, `unknown option "${k}"; known: ${allowed.join(', ')}`);
  }
}

/** Resolve cache-level options over provider-level ones. */
export function resolveCacheOptions(
  own: unknown,
  base: ResolvedCacheOptions,
  cacheName: string,
  op: string,
  provider = false,
): ResolvedCacheOptions {
  if (own === undefined) return base;
  if (typeof own !== 'object' || own === null) bad(cacheName, op, 'providerOptions must be an object');
  checkKeys(own, provider ? PROVIDER_KEYS : CACHE_KEYS, cacheName, op);
  const o = own as RedisCacheOptions;
  const s = o.serializer;
  if (s !== undefined) checkSerializer(s, cacheName, op);
  if (o.onDecodeError !== undefined && o.onDecodeError !== 'throw' && o.onDecodeError !== 'miss') {
    bad(cacheName, op, `onDecodeError must be 'throw' or 'miss', got ${String(o.onDecodeError)}`);
  }
  let lock = base.lock;
  if (o.lock === false) lock = { ...base.lock, enabled: false };
  else if (o.lock !== undefined) {
    if (typeof o.lock !== 'object' || o.lock === null) bad(cacheName, op, 'lock must be an object or false');
    checkKeys(o.lock, ['enabled', 'ttl', 'wait', 'onTimeout'], cacheName, op);
    const ot = o.lock.onTimeout ?? base.lock.onTimeout;
    if (ot !== 'load' && ot !== 'throw')
      bad(cacheName, op, `lock.onTimeout must be 'load' or 'throw', got ${String(ot)}`);
    lock = {
      enabled: o.lock.enabled ?? base.lock.enabled,
      ttl: positive(o.lock.ttl, 'lock.ttl', base.lock.ttl, cacheName, op),
      wait: positive(o.lock.wait, 'lock.wait', base.lock.wait, cacheName, op),
      onTimeout: ot,
    };
  }
  return {
    serializer: s ?? base.serializer,
    compressThreshold:
      o.compressThreshold === false
        ? undefined
        : o.compressThreshold === undefined
          ? base.compressThreshold
          : positive(o.compressThreshold, 'compressThreshold', 1, cacheName, op),
    maxValueBytes: positive(o.maxValueBytes, 'maxValueBytes', base.maxValueBytes, cacheName, op),
    onDecodeError: o.onDecodeError ?? base.onDecodeError,
    lock,
  };
}

/** A serializer has `encode`, `decode`, a name, and declares its value domain (or opts out). */
function checkSerializer(s: Serializer, cacheName: string, op: string): void {
  if (typeof s?.encode !== 'function' || typeof s?.decode !== 'function' || typeof s?.name !== 'string') {
    bad(cacheName, op, 'serializer must be { name, domain, encode(value), decode(bytes) }');
  }
  const d: unknown = s.domain;
  if (d === 'unchecked') return;
  if (!Array.isArray(d)) {
    bad(
      cacheName,
      op,
      `serializer "${s.name}" must declare the values it round-trips exactly — domain: [] for plain JSON data, plus any of ${VALUE_KINDS.join(', ')} — or opt out of the write-time check with domain: 'unchecked'`,
    );
  }
  const unknown = d.filter((k) => !VALUE_KINDS.includes(k as never));
  if (unknown.length > 0) {
    bad(
      cacheName,
      op,
      `serializer "${s.name}" declares unknown value kinds ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known: ${VALUE_KINDS.join(', ')}`,
    );
  }
}

/** Defaults of every cache option. */
export const CACHE_DEFAULTS: ResolvedCacheOptions = {
  serializer: undefined,
  compressThreshold: undefined,
  maxValueBytes: 64 * 1024 * 1024,
  onDecodeError: 'throw',
  lock: { enabled: true, ttl: 10_000, wait: 10_000, onTimeout: 'load' },
};
