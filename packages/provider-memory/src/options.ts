import { CacheError } from '@gocache/core';
import type { EvictionPolicyFactory } from './policies/eviction-policy.js';
import { lfuPolicy } from './policies/lfu-policy.js';
import { lruPolicy } from './policies/lru-policy.js';
import { tinyLfuPolicy } from './policies/tinylfu-policy.js';

/** Built-in eviction policies, by name. */
export type PolicyName = 'lru' | 'lfu' | 'tinylfu';

/**
 * Per-cache settings of the memory provider, passed as `CacheOptions.providerOptions` (or as
 * provider-wide defaults to `memoryProvider(options)`). The entry bound itself is the cache's
 * `maxEntries` and the cleanup period its `cleanupInterval`.
 */
export interface MemoryCacheOptions<T = unknown> {
  /**
   * Upper bound on the sum of entry sizes, in the units `sizeCalculation` returns (e.g. bytes).
   * Needs `sizeCalculation`. An entry larger than `maxSize` on its own is not stored (it is
   * reported as `evicted`, and the entry it would have replaced leaves as `replaced`).
   * @default undefined (no size bound)
   */
  maxSize?: number | undefined;
  /**
   * The size of one entry: a positive finite number. Called once per write; the result is kept
   * (and shown as `sizeBytes` in metadata), so it must not depend on later mutation of the value.
   * @default undefined (sizes are not tracked)
   */
  sizeCalculation?: ((value: T, key: string) => number) | undefined;
  /**
   * Which entry leaves when the cache is over `maxEntries` or `maxSize`: `'lru'`, `'lfu'`,
   * `'tinylfu'` (W-TinyLFU, scan-resistant), or your own `EvictionPolicyFactory`.
   * Ignored by unbounded caches, which never evict.
   * @default 'lru'
   */
  policy?: PolicyName | EvictionPolicyFactory | undefined;
  /**
   * Slots the background cleanup inspects per event-loop turn, so a sweep of a large cache never
   * blocks the loop for long (a full pass spreads over several turns).
   * @default 4096
   */
  cleanupBatchSize?: number | undefined;
}

/** Defaults for every cache a `memoryProvider` makes; each cache's `providerOptions` override them. */
export type MemoryProviderOptions = MemoryCacheOptions<unknown>;

/** Options after validation and defaulting. */
export interface ResolvedMemoryOptions {
  readonly maxSize: number | undefined;
  readonly sizeCalculation: ((value: unknown, key: string) => number) | undefined;
  readonly policy: EvictionPolicyFactory;
  readonly policyName: string;
  readonly cleanupBatchSize: number;
}

const POLICIES: Record<PolicyName, EvictionPolicyFactory> = {
  lru: lruPolicy,
  lfu: lfuPolicy,
  tinylfu: tinyLfuPolicy,
};

const KNOWN = new Set(['maxSize', 'sizeCalculation', 'policy', 'cleanupBatchSize']);

/** Merge provider defaults with one cache's `providerOptions` and validate the result. */
export function resolveOptions(cacheName: string, defaults: unknown, perCache: unknown): ResolvedMemoryOptions {
  const fail = (message: string): never => {
    throw new CacheError('INVALID_ARGUMENT', message, { cacheName, op: 'createCache' });
  };
  const merged: MemoryCacheOptions = { ...section(defaults, 'memoryProvider(options)', fail) };
  for (const [k, v] of Object.entries(section(perCache, 'providerOptions', fail))) {
    if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  }
  for (const k of Object.keys(merged)) {
    if (!KNOWN.has(k)) {
      fail(`unknown memory provider option "${k}"; the options are ${[...KNOWN].join(', ')}`);
    }
  }

  const { maxSize, sizeCalculation, policy = 'lru', cleanupBatchSize = 4096 } = merged;
  if (maxSize !== undefined && !(typeof maxSize === 'number' && maxSize > 0 && Number.isFinite(maxSize))) {
    fail(`maxSize must be a positive finite number (got ${String(maxSize)}); omit it for no size bound`);
  }
  if (sizeCalculation !== undefined && typeof sizeCalculation !== 'function') {
    fail('sizeCalculation must be a function (value, key) => positive number');
  }
  if (maxSize !== undefined && sizeCalculation === undefined) {
    fail('maxSize needs sizeCalculation: pass sizeCalculation: (value, key) => size in the same units');
  }
  let factory: EvictionPolicyFactory;
  let policyName: string;
  if (typeof policy === 'function') {
    factory = policy;
    policyName = policy.name || 'custom';
  } else if (typeof policy === 'string' && Object.hasOwn(POLICIES, policy)) {
    factory = POLICIES[policy as PolicyName];
    policyName = policy;
  } else {
    return fail(
      `unknown policy ${JSON.stringify(policy)}; use 'lru', 'lfu', 'tinylfu' or a function (context) => EvictionPolicy`,
    );
  }
  if (!Number.isSafeInteger(cleanupBatchSize) || cleanupBatchSize < 1) {
    fail(`cleanupBatchSize must be a positive integer (got ${String(cleanupBatchSize)})`);
  }
  return {
    maxSize,
    sizeCalculation: sizeCalculation as ((value: unknown, key: string) => number) | undefined,
    policy: factory,
    policyName,
    cleanupBatchSize,
  };
}

function section(value: unknown, where: string, fail: (m: string) => never): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    return fail(`${where} must be an object of memory provider options (got ${typeof value})`);
  }
  return value as Record<string, unknown>;
}
