import { type Cache, type CacheOptions, type CacheProvider, createCache, type Store } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { portableIndexes } from '../src/portable-indexes.js';
import { kvMapProvider } from './kv-map-provider.js';

/** A clock tests move by hand. */
export class TestClock {
  t = 1_700_000_000_000;
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A provider whose stores hide `deriveIndexes`, to exercise the non-atomic path on any store. */
export function withoutDerivedIndexes(p: CacheProvider): CacheProvider {
  return {
    ...p,
    name: `${p.name}-no-derive`,
    createStore<T>(config: Parameters<CacheProvider['createStore']>[0]): Store<T> {
      const store = p.createStore<T>(config);
      return new Proxy(store, {
        get(target, prop) {
          if (prop === 'deriveIndexes') return undefined;
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
    close: () => p.close(),
  };
}

/** One backend the behaviour tests run on. */
export interface Backend {
  name: string;
  /** Whether `withIndexes` should find the atomic primitive. */
  atomic: boolean;
  make<T>(options: CacheOptions<T>): Cache<T>;
}

let seq = 0;

/** Every backend: native memory indexes, and portable indexes over a key/value-only store, each with and without the atomic primitive. */
export function backends(): Backend[] {
  const memory = memoryProvider();
  const list: [string, CacheProvider][] = [
    ['memory', memory],
    ['memory (no deriveIndexes)', withoutDerivedIndexes(memory)],
    ['portable(kv)', portableIndexes(kvMapProvider())],
    ['portable(kv, async)', portableIndexes(kvMapProvider({ async: true }))],
    ['portable(kv, async, no deriveIndexes)', withoutDerivedIndexes(portableIndexes(kvMapProvider({ async: true })))],
  ];
  return list.map(([name, provider]) => {
    const probe = provider.createStore<unknown>({
      name: `probe${++seq}`,
      now: Date.now,
      maxEntries: undefined,
      cleanupIntervalMs: undefined,
      indexes: {},
      maxKeyLength: 1024,
      onLeave: undefined,
      metrics: undefined,
      providerOptions: undefined,
    } as Parameters<CacheProvider['createStore']>[0]);
    const atomic = typeof probe.deriveIndexes === 'function';
    void probe.close();
    return {
      name,
      atomic,
      make: <T>(o: CacheOptions<T>) => createCache<T>(provider, { ...o, name: `${o.name}_${++seq}` }),
    };
  });
}
