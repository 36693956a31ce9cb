import type { CacheEntryMetadata, CacheProvider, CompiledGlob, Store, StoreConfig } from '@gocache/core';
import { SPECIFICATION_VERSION } from '@gocache/core';

/** One stored record of the kv-map provider. */
export interface Entry {
  value: unknown;
  version: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

/**
 * A key/value-only provider for tests: a plain `Map` with TTLs and compare-and-set, and no index
 * primitives at all — the kind of third-party provider `portableIndexes` is for. Optionally yields
 * to the event loop inside every call so that interleavings look like a network store's.
 */
/**
 * Entry versions, unique across every provider instance: two "processes" sharing one key space
 * must never hand out the same version, or a compare-and-set could succeed against the other's
 * write (an ABA a real store does not have).
 */
let seq = 0;

export function kvMapProvider(opts: { async?: boolean; shared?: Map<string, Map<string, Entry>> } = {}): CacheProvider {
  const spaces = opts.shared ?? new Map<string, Map<string, Entry>>();
  return {
    name: 'kv-map',
    specificationVersion: SPECIFICATION_VERSION,
    capabilities: {
      distributed: opts.shared !== undefined,
      fakeClock: true,
      eviction: false,
      indexes: false,
      referenceValues: true,
      accessTracking: false,
    },
    async close() {},
    createStore<T>(config: StoreConfig): Store<T> {
      let map = spaces.get(config.name);
      if (map === undefined) spaces.set(config.name, (map = new Map()));
      const m = map;
      const now = config.now;
      const tick = opts.async === true ? () => new Promise<void>((r) => setImmediate(r)) : undefined;
      const wrap = <R>(fn: () => R): R | Promise<R> => (tick === undefined ? fn() : tick().then(fn));
      const live = (key: string): Entry | undefined => {
        const e = m.get(key);
        if (e === undefined) return undefined;
        if (e.expiresAt <= now()) {
          m.delete(key);
          config.onLeave?.({ cacheName: config.name, key, reason: 'expired', value: e.value });
          return undefined;
        }
        return e;
      };
      const write = (key: string, value: unknown, ttlMs: number) => {
        const t = now();
        const old = live(key);
        m.set(key, {
          value,
          version: ++seq,
          createdAt: old?.createdAt ?? t,
          updatedAt: t,
          expiresAt: ttlMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : t + ttlMs,
        });
        // An overwrite is reported once the new value is in place (the SPI's leave-event order).
        if (old !== undefined) config.onLeave?.({ cacheName: config.name, key, reason: 'replaced', value: old.value });
      };
      const del = (key: string, reason: 'deleted' | 'cleared') => {
        const e = live(key);
        if (e === undefined) return false;
        m.delete(key);
        config.onLeave?.({ cacheName: config.name, key, reason, value: e.value });
        return true;
      };
      return {
        get: (key) => wrap(() => live(key)?.value as T | undefined),
        getMany: (keys) => wrap(() => keys.map((k) => live(k)?.value as T | undefined)),
        has: (key) => wrap(() => live(key) !== undefined),
        set: (key, value, ttlMs) => wrap(() => write(key, value, ttlMs)),
        setMany: (entries, ttlMs) =>
          wrap(() => {
            for (const [k, v] of entries) write(k, v, ttlMs);
          }),
        setIfNotExists: (key, value, ttlMs) =>
          wrap(() => {
            if (live(key) !== undefined) return false;
            write(key, value, ttlMs);
            return true;
          }),
        setIfExists: (key, value, ttlMs) =>
          wrap(() => {
            if (live(key) === undefined) return false;
            write(key, value, ttlMs);
            return true;
          }),
        delete: (key) => wrap(() => del(key, 'deleted')),
        deleteMany: (keys) => wrap(() => keys.filter((k) => del(k, 'deleted')).length),
        clear: () =>
          wrap(() => {
            for (const k of [...m.keys()]) del(k, 'cleared');
          }),
        getVersioned: (key) =>
          wrap(() => {
            const e = live(key);
            return e === undefined ? undefined : { value: e.value as T, version: e.version };
          }),
        compareAndSet: (key, expected, value, ttlMs) =>
          wrap(() => {
            const e = live(key);
            if (expected === null ? e !== undefined : e?.version !== expected) return false;
            write(key, value, ttlMs);
            return true;
          }),
        scan: (glob: CompiledGlob) => [...m.keys()].filter((k) => glob.test(k) && live(k) !== undefined),
        getMetadata: (key) =>
          wrap((): CacheEntryMetadata | undefined => {
            const e = live(key);
            if (e === undefined) return undefined;
            return {
              key,
              createdAt: e.createdAt,
              updatedAt: e.updatedAt,
              expiresAt: e.expiresAt === Number.POSITIVE_INFINITY ? null : e.expiresAt,
              indexes: [],
            };
          }),
        size: () => m.size,
        close: () => {},
      };
    },
  };
}

/** How many unexpired raw records (entries plus any internal index records) a kv-map namespace holds. */
export function liveRecords(shared: Map<string, Map<string, Entry>>, name: string, now: number): number {
  let n = 0;
  for (const e of shared.get(name)?.values() ?? []) if (e.expiresAt > now) n++;
  return n;
}
