import { type Cache, type CacheOptions, type CacheProvider, createCache, type Store } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
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
  /** Expiry follows the server's real clock (Redis): tests sleep instead of moving a fake clock. */
  realTime?: boolean;
  make<T>(options: CacheOptions<T>): Cache<T>;
  /** Two caches of one namespace over separate clients/providers: two processes sharing a backend. */
  makePair?<T>(options: CacheOptions<T>): [Cache<T>, Cache<T>];
}

/** Time for one test: a fake clock the caches use, or real time for real-time backends. */
export interface TestTime {
  /** Pass as the cache's `clock` (undefined for real-time backends). */
  clock: TestClock | undefined;
  /** Let `ms` pass. */
  advance(ms: number): Promise<void>;
}

/** Whether the provider's stores implement `Store.deriveIndexes` (atomic memberships with each write). */
export function storeDerivesIndexes(provider: CacheProvider): boolean {
  const probe = provider.createStore<unknown>(
    storeConfig({
      name: `probe_${Math.random().toString(36).slice(2)}`,
    }),
  );
  const has = typeof probe.deriveIndexes === 'function';
  void probe.close();
  return has;
}

/** The time source a test on `b` uses. */
export function timeFor(b: Backend): TestTime {
  if (b.realTime === true) {
    return { clock: undefined, advance: (ms) => new Promise((r) => setTimeout(r, ms)) };
  }
  const clock = new TestClock();
  return {
    clock,
    advance: async (ms) => {
      clock.advance(ms);
    },
  };
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
  const made: Backend[] = list.map(([name, provider]) => {
    const atomic = storeDerivesIndexes(provider);
    return {
      name,
      atomic,
      make: <T>(o: CacheOptions<T>) => createCache<T>(provider, { ...o, name: `${o.name}_${++seq}` }),
    };
  });
  for (const derive of [true, false]) {
    // Two "processes": separate providers over one shared key/value space.
    const shared = new Map();
    const p1 = portableIndexes(kvMapProvider({ async: true, shared }));
    const p2 = portableIndexes(kvMapProvider({ async: true, shared }));
    const [a, c] = derive ? [p1, p2] : [withoutDerivedIndexes(p1), withoutDerivedIndexes(p2)];
    made.push({
      name: `portable(kv, async, two processes${derive ? '' : ', no deriveIndexes'})`,
      atomic: derive,
      make: <T>(o: CacheOptions<T>) => createCache<T>(a, { ...o, name: `${o.name}_${++seq}` }),
      makePair: <T>(o: CacheOptions<T>): [Cache<T>, Cache<T>] => {
        const name = `${o.name}_${++seq}`;
        return [createCache<T>(a, { ...o, name }), createCache<T>(c, { ...o, name })];
      },
    });
  }
  return made;
}
