import type { CompiledGlob } from './glob.js';
import type { CacheProvider, Store, StoreConfig } from './spi.js';

/** One row of the shared "remote" store. */
export interface Row {
  value: unknown;
  version: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

let versions = 0;

/**
 * A "remote" store shared by several provider instances (processes): only the nine required
 * methods, each answering after a random 0–`lagMs` ms as a network database does.
 */
export function remoteProvider(rows: Map<string, Row>, lagMs: number): CacheProvider {
  const lag = <R>(fn: () => R): Promise<R> =>
    new Promise((resolve) => setTimeout(() => resolve(fn()), Math.random() * lagMs));
  return {
    name: 'remote',
    specificationVersion: 2,
    capabilities: {
      distributed: true,
      fakeClock: true,
      eviction: false,
      indexes: false,
      referenceValues: false,
      accessTracking: false,
    },
    close: async () => {},
    createStore<T>(config: StoreConfig): Store<T> {
      const live = (key: string) => {
        const r = rows.get(key);
        if (r !== undefined && r.expiresAt <= config.now()) rows.delete(key);
        return rows.get(key);
      };
      const write = (key: string, value: unknown, ttlMs: number) => {
        const t = config.now();
        rows.set(key, {
          value: structuredClone(value),
          version: ++versions,
          createdAt: live(key)?.createdAt ?? t,
          updatedAt: t,
          expiresAt: t + ttlMs,
        });
      };
      return {
        get: (key) => lag(() => structuredClone(live(key)?.value) as T | undefined),
        set: (key, value, ttlMs) => lag(() => write(key, value, ttlMs)),
        delete: (key) => lag(() => live(key) !== undefined && rows.delete(key)),
        clear: () => lag(() => rows.clear()),
        getVersioned: (key) =>
          lag(() => {
            const r = live(key);
            return r === undefined ? undefined : { value: structuredClone(r.value) as T, version: r.version };
          }),
        compareAndSet: (key, expected, value, ttlMs) =>
          lag(() => {
            const cur = live(key);
            if ((cur === undefined ? null : cur.version) !== expected) return false;
            write(key, value, ttlMs);
            return true;
          }),
        scan: (glob: CompiledGlob) => [...rows.keys()].filter((k) => glob.test(k) && live(k) !== undefined),
        getMetadata: (key) =>
          lag(() => {
            const r = live(key);
            return (
              r && {
                key,
                createdAt: r.createdAt,
                updatedAt: r.updatedAt,
                expiresAt: Number.isFinite(r.expiresAt) ? r.expiresAt : null,
                indexes: [],
              }
            );
          }),
        close: () => {},
      };
    },
  };
}
