import { describe, expect, it } from 'vitest';
import { createCache } from './create-cache.js';
import type { CompiledGlob } from './glob.js';
import type { CacheProvider, Store, StoreConfig } from './spi.js';

interface Row {
  value: unknown;
  version: number;
  createdAt: number;
  updatedAt: number;
}

let versions = 0;

/**
 * A "remote" store shared by several provider instances (processes): only the nine required
 * methods, each answering after a random 0–`lagMs` ms as a network database does.
 */
function remoteProvider(rows: Map<string, Row>, lagMs: number): CacheProvider {
  const lag = <R>(fn: () => R): Promise<R> =>
    new Promise((resolve) => setTimeout(() => resolve(fn()), Math.random() * lagMs));
  return {
    name: 'remote',
    specificationVersion: 2,
    capabilities: {
      distributed: true,
      fakeClock: false,
      eviction: false,
      indexes: false,
      referenceValues: false,
      accessTracking: false,
    },
    close: async () => {},
    createStore<T>(config: StoreConfig): Store<T> {
      const write = (key: string, value: unknown) => {
        const t = config.now();
        rows.set(key, { value, version: ++versions, createdAt: rows.get(key)?.createdAt ?? t, updatedAt: t });
      };
      return {
        get: (key) => lag(() => rows.get(key)?.value as T | undefined),
        set: (key, value) => lag(() => write(key, value)),
        delete: (key) => lag(() => rows.delete(key)),
        clear: () => lag(() => rows.clear()),
        getVersioned: (key) =>
          lag(() => {
            const r = rows.get(key);
            return r === undefined ? undefined : { value: r.value as T, version: r.version };
          }),
        compareAndSet: (key, expected, value) =>
          lag(() => {
            const cur = rows.get(key);
            if ((cur === undefined ? null : cur.version) !== expected) return false;
            write(key, value);
            return true;
          }),
        scan: (glob: CompiledGlob) => [...rows.keys()].filter((k) => glob.test(k)),
        getMetadata: (key) =>
          lag(() => {
            const r = rows.get(key);
            return r && { key, createdAt: r.createdAt, updatedAt: r.updatedAt, expiresAt: null, indexes: [] };
          }),
        close: () => {},
      };
    },
  };
}

describe('update contention between processes', () => {
  it('two processes × 50 concurrent increments end at exactly 100 with the default retry budget', async () => {
    for (let round = 0; round < 5; round++) {
      const rows = new Map<string, Row>();
      const a = createCache<number>(remoteProvider(rows, 2), { name: 'counters' });
      const b = createCache<number>(remoteProvider(rows, 2), { name: 'counters' });
      const inc = (n: number | undefined) => (n ?? 0) + 1;
      const results = await Promise.allSettled([
        ...Array.from({ length: 50 }, () => a.update('hits', inc)),
        ...Array.from({ length: 50 }, () => b.update('hits', inc)),
      ]);
      const failed = results.filter((r) => r.status === 'rejected');
      expect(
        failed.map((r) => String((r as PromiseRejectedResult).reason)),
        `round ${round}`,
      ).toEqual([]);
      expect(await a.get('hits')).toBe(100);
      await a.close();
      await b.close();
    }
  });
});
