import { CacheImpl } from './cache-impl.js';
import { capabilityConflict } from './capability-rules.js';
import { parseDuration } from './duration.js';
import { CacheError } from './errors.js';
import { type CompiledGlob, compileGlob } from './glob.js';
import type { CacheHooks } from './hooks.js';
import type { CacheMetrics } from './metrics.js';
import type { EntryLeaveEvent, MiddlewareFn, MiddlewareObject } from './middleware.js';
import { hooksMiddleware } from './pipeline.js';
import { type CacheProvider, SPECIFICATION_VERSION, type Store, SUPPORTED_SPECIFICATION_VERSIONS } from './spi.js';
import { DEFAULT_MAX_KEY_LENGTH } from './store-kit/store-config.js';
import type { Cache, CacheOptions, EvictReason } from './types.js';
import { CACHE_NAME, describe, KeyRules } from './validate.js';

const EVICT_REASONS = new Set<string>(['expired', 'evicted', 'deleted', 'cleared']);
const METRIC_METHODS = [
  'recordHit',
  'recordMiss',
  'recordOperation',
  'recordSecurityEvent',
  'recordTimingProtection',
  'getOperationLatencyPercentiles',
] as const;

/** @internal Extras `createManager` passes; not part of the public API. */
export interface CreateCacheInternals {
  onClose?: () => void;
}

function positiveInt(v: unknown, what: string, fail: (m: string) => CacheError): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw fail(`${what} must be a positive whole number, got ${describe(v)}`);
  }
  return v;
}

/**
 * Create a `Cache<T>` directly on a provider (no manager). Validates every option and throws
 * `INVALID_ARGUMENT` / `INVALID_TTL` naming the option and the fix.
 *
 * @example
 * const sessions = createCache<Session>(memoryProvider(), { name: 'sessions', ttl: '24h' });
 */
export function createCache<T, P = unknown>(
  provider: CacheProvider,
  options: CacheOptions<T, P>,
  internals: CreateCacheInternals = {},
): Cache<T> {
  const rawName = (options as { name?: unknown } | undefined)?.name;
  const cacheName = typeof rawName === 'string' && rawName.length > 0 ? rawName : '?';
  const fail = (m: string) => new CacheError('INVALID_ARGUMENT', m, { cacheName, op: 'createCache' });
  if (options === null || typeof options !== 'object')
    throw fail(`options must be an object with a name, got ${describe(options)}`);
  if (typeof rawName !== 'string' || !CACHE_NAME.test(rawName)) {
    throw fail(
      `name must be 1–128 characters of A-Z a-z 0-9 _ - . : (got ${describe(rawName)}); it is the cache's namespace`,
    );
  }
  const name = rawName;
  if (
    provider === null ||
    typeof provider !== 'object' ||
    typeof provider.createStore !== 'function' ||
    typeof provider.name !== 'string'
  ) {
    throw fail(`provider must be a CacheProvider (e.g. memoryProvider()), got ${describe(provider)}`);
  }
  if (!SUPPORTED_SPECIFICATION_VERSIONS.includes(provider.specificationVersion)) {
    throw fail(
      `provider "${provider.name}" implements SPI version ${String(provider.specificationVersion)}, this core implements ${SPECIFICATION_VERSION}; upgrade the provider or core`,
    );
  }
  const caps = provider.capabilities;
  const conflict = caps === undefined ? undefined : capabilityConflict(caps);
  if (conflict !== undefined) throw fail(`provider "${provider.name}" claims ${conflict}`);

  const site = (what: string) => ({ cacheName: name, op: 'createCache', what });
  const defaultTtlMs = options.ttl === undefined ? Number.POSITIVE_INFINITY : parseDuration(options.ttl, site('ttl'));
  const maxEntries = positiveInt(options.maxEntries, 'maxEntries', fail);
  if (maxEntries !== undefined && caps?.eviction !== true && caps?.localBound !== true) {
    throw fail(
      `maxEntries is set but provider "${provider.name}" neither evicts entries (capabilities.eviction) nor bounds a local copy with it (capabilities.localBound), so the bound would silently not hold; drop maxEntries, or use a provider that evicts (e.g. memoryProvider()); a tiered cache needs an L1 that evicts (e.g. tieredProvider({ l1: memoryProvider(), … }))`,
    );
  }
  let cleanupIntervalMs: number | undefined;
  if (options.cleanupInterval !== undefined) {
    const ms = parseDuration(options.cleanupInterval, site('cleanupInterval'));
    cleanupIntervalMs = ms === Number.POSITIVE_INFINITY ? undefined : ms;
  }
  const maxKeyLength = positiveInt(options.maxKeyLength, 'maxKeyLength', fail) ?? DEFAULT_MAX_KEY_LENGTH;
  const maxPatternLength = positiveInt(options.maxPatternLength, 'maxPatternLength', fail) ?? 1024;
  const finite = (d: CacheOptions<T>['loaderTimeout'], what: string) => {
    if (d === undefined) return undefined;
    const ms = parseDuration(d, site(what));
    return ms === Number.POSITIVE_INFINITY ? undefined : ms;
  };
  const loaderTimeoutMs = finite(options.loaderTimeout, 'loaderTimeout');
  const updaterTimeoutMs = finite(options.updaterTimeout, 'updaterTimeout');
  let updateRetries = 16;
  if (options.updateRetries !== undefined) {
    if (!Number.isSafeInteger(options.updateRetries) || options.updateRetries < 0) {
      throw fail(`updateRetries must be a whole number ≥ 0, got ${describe(options.updateRetries)}`);
    }
    updateRetries = options.updateRetries;
  }
  const clone = options.clone ?? 'none';
  if (clone !== 'none' && clone !== 'structured')
    throw fail(`clone must be 'none' or 'structured', got ${describe(clone)}`);
  if (options.errorsAsMisses !== undefined && typeof options.errorsAsMisses !== 'boolean') {
    throw fail(`errorsAsMisses must be a boolean, got ${describe(options.errorsAsMisses)}`);
  }
  const clock = options.clock;
  if (clock !== undefined && (clock === null || typeof clock.now !== 'function')) {
    throw fail('clock must be an object with a now() method returning epoch milliseconds');
  }

  let indexes: Map<string, CompiledGlob> | undefined;
  const indexPatterns: Record<string, string> = {};
  if (options.indexes !== undefined) {
    if (options.indexes === null || typeof options.indexes !== 'object') {
      throw fail(
        'indexes must be an object mapping index names to key patterns, e.g. { sessions_by_user: "session:*" }',
      );
    }
    indexes = new Map();
    for (const [idx, pattern] of Object.entries(options.indexes)) {
      if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > maxPatternLength) {
        throw fail(`indexes.${idx} must be a non-empty key pattern such as "session:*", got ${describe(pattern)}`);
      }
      indexes.set(idx, compileGlob(pattern));
      indexPatterns[idx] = pattern;
    }
  }

  const metrics = options.metrics;
  if (metrics !== undefined) {
    for (const m of METRIC_METHODS) {
      if (typeof (metrics as unknown as Record<string, unknown>)[m] !== 'function') {
        throw fail(`metrics must implement CacheMetrics; ${m}() is missing`);
      }
    }
  }

  const hooks = options.hooks;
  if (hooks !== undefined && (hooks === null || typeof hooks !== 'object'))
    throw fail('hooks must be an object of hook functions');

  const objects: MiddlewareObject[] = [];
  const chain: MiddlewareFn[] = [];
  for (const [i, mw] of (options.middleware ?? []).entries()) {
    if (typeof mw === 'function') chain.push(mw);
    else if (mw !== null && typeof mw === 'object' && typeof mw.name === 'string') {
      objects.push(mw);
      if (mw.handle !== undefined) chain.push(mw.handle);
    } else throw fail(`middleware[${i}] must be a function or an object with a name, got ${describe(mw)}`);
  }
  if (hooks !== undefined && Object.keys(hooks).some((k) => k.startsWith('pre') || k.startsWith('post'))) {
    chain.push(hooksMiddleware(hooks));
  }

  const onLeave = leaveDispatcher(name, hooks, metrics, objects);
  const now = clock === undefined ? Date.now : checkedClock(clock, name);
  const store: Store<T> = provider.createStore<T>({
    name,
    now,
    maxEntries,
    cleanupIntervalMs,
    indexes: indexPatterns,
    maxKeyLength,
    onLeave,
    metrics,
    providerOptions: options.providerOptions,
  });

  checkStore(store, provider, name);

  let unobserve: (() => void) | undefined;
  const cache: CacheImpl<T> = new CacheImpl<T>({
    name,
    provider,
    store: store as never,
    keys: new KeyRules(name, maxKeyLength),
    defaultTtlMs,
    loaderTimeoutMs,
    updaterTimeoutMs,
    updateRetries,
    maxPatternLength,
    clone: clone === 'structured',
    errorsAsMisses: options.errorsAsMisses === true,
    indexes,
    chain,
    metrics,
    now,
    onBackgroundError: backgroundErrors(name, hooks, metrics),
    onClose: async () => {
      unobserve?.();
      for (const o of objects) await o.onClose?.();
      internals.onClose?.();
    },
  });
  for (const o of objects)
    o.attach?.({ cacheName: name, metrics, referenceValues: provider.capabilities.referenceValues, cache });
  unobserve = metrics?.observeCache?.({ name, entryCount: () => cache.entryCount() });
  return cache;
}

/** @internal The store methods core cannot derive (SPI version 2); every other one is optional. */
export const REQUIRED_METHODS = [
  'get',
  'set',
  'delete',
  'clear',
  'getVersioned',
  'compareAndSet',
  'scan',
  'getMetadata',
  'close',
] as const;
// A version-1 provider promised all of these; version 2 made them optional (core derives them).
const V1_METHODS = ['has', 'getMany', 'setMany', 'deleteMany', 'setIfNotExists', 'setIfExists'] as const;
const INDEX_METHODS = ['addIndex', 'removeIndex', 'getByIndex'] as const;

/** A store that lacks a method its provider's SPI version requires is a provider bug: say which. */
function checkStore(store: Store<unknown>, provider: CacheProvider, cacheName: string): void {
  const has = (m: string) => typeof (store as unknown as Record<string, unknown>)?.[m] === 'function';
  const required: readonly string[] =
    provider.specificationVersion === 1 ? [...REQUIRED_METHODS, ...V1_METHODS] : REQUIRED_METHODS;
  const missing = required.filter((m) => !has(m));
  if (provider.capabilities?.indexes === true) missing.push(...INDEX_METHODS.filter((m) => !has(m)));
  if (missing.length > 0) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `provider "${provider.name}" (SPI version ${provider.specificationVersion}) made a store without ${missing.join(', ')}; fix the provider (see @gocache/core's README, "The provider SPI")`,
      { cacheName, op: 'createCache' },
    );
  }
}

/** The user's clock, checked on every read: a store must never compute expiry from NaN or a string. */
function checkedClock(clock: { now(): number }, cacheName: string): () => number {
  return () => {
    const t = clock.now();
    if (typeof t === 'number' && Number.isFinite(t)) return t;
    throw new CacheError(
      'INVALID_ARGUMENT',
      `clock.now() returned ${describe(t)}; it must return epoch milliseconds as a finite number`,
      { cacheName, op: 'clock' },
    );
  };
}

/** The `onError` hook and an operation record for failures nobody awaits (a background refresh). */
function backgroundErrors<T>(
  cacheName: string,
  hooks: CacheHooks<T> | undefined,
  metrics: CacheMetrics | undefined,
): ((e: CacheError) => void) | undefined {
  const onError = hooks?.onError;
  if (onError === undefined && metrics === undefined) return undefined;
  const labels = { cache: cacheName };
  return (e) => {
    try {
      metrics?.recordOperation('getOrSet', 'error', 0, labels);
    } catch {}
    try {
      onError?.(e, { cacheName, op: 'getOrSet', key: e.key, attributes: {} });
    } catch {}
  };
}

function leaveDispatcher<T>(
  cacheName: string,
  hooks: CacheHooks<T> | undefined,
  metrics: CacheMetrics | undefined,
  objects: MiddlewareObject[],
): ((event: EntryLeaveEvent) => void) | undefined {
  const listeners = objects.filter((o) => o.onEntryLeave !== undefined);
  const onEvict = hooks?.onEvict;
  const recordEviction = metrics?.recordEviction;
  if (listeners.length === 0 && onEvict === undefined && recordEviction === undefined) return undefined;
  const labels = { cache: cacheName };
  return (event) => {
    // A listener's failure must never break the store operation that reported the event.
    if (EVICT_REASONS.has(event.reason)) {
      const reason = event.reason as EvictReason;
      try {
        recordEviction?.call(metrics, reason, labels);
      } catch {}
      try {
        onEvict?.({ cacheName, key: event.key, reason, value: event.value as T | undefined });
      } catch {}
    }
    for (const l of listeners) {
      try {
        l.onEntryLeave!(event);
      } catch {}
    }
  };
}
