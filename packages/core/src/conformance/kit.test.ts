import { readdirSync, readFileSync } from 'node:fs';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { createCache } from '../create-cache.js';
import type { CompiledGlob } from '../glob.js';
import type { EntryLeaveEvent } from '../middleware.js';
import type { CacheProvider, DerivedIndexes, LoadThroughContext, Store, StoreConfig } from '../spi.js';
import type { Cache, CacheOptions } from '../types.js';
import { basicGroup } from './basic.js';
import { batchGroup } from './batch.js';
import { conditionalGroup } from './conditional.js';
import { derivedIndexesGroup } from './derived-indexes.js';
import { createConformanceKit, describeConformance } from './describe-conformance.js';
import { distributedGroup } from './distributed.js';
import { errorsGroup } from './errors.js';
import { getOrSetGroup } from './get-or-set.js';
import { indexGroup } from './indexes.js';
import type { ConformanceKit } from './kit.js';
import { leaveOrderGroup } from './leave-order.js';
import { loadCancellationGroup } from './load-cancellation.js';
import { localBoundGroup } from './local-bound.js';
import { metadataGroup } from './metadata.js';
import { modelGroup } from './model.js';
import { seededRandom } from './random.js';
import { resurrectionGroup } from './resurrection.js';
import { touchGroup } from './touch.js';
import { ttlGroup } from './ttl.js';
import type { ConformanceOptions, ConformanceRunner, RunnerFn } from './types.js';
import { updateGroup } from './update.js';

interface Collected {
  name: string;
  fn: RunnerFn;
}

/** A runner that only collects tests, so the kit can be run (and made to fail) inside a test. */
function collectingRunner(): { runner: ConformanceRunner; tests: Collected[]; after: RunnerFn[] } {
  const tests: Collected[] = [];
  const after: RunnerFn[] = [];
  const stack: string[] = [];
  const runner: ConformanceRunner = {
    describe(name, fn) {
      stack.push(name);
      fn();
      stack.pop();
    },
    it(name, fn) {
      tests.push({ name: [...stack, name].join(' > '), fn });
    },
    afterAll(fn) {
      after.push(fn);
    },
  };
  return { runner, tests, after };
}

async function failures(tests: Collected[]): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  for (const t of tests) {
    try {
      await t.fn();
    } catch (e) {
      failed.set(t.name, e instanceof Error ? e.message : String(e));
    }
  }
  return failed;
}

/** A provider whose stores are changed by `mutate` (a deliberately broken provider, or a test fixture). */
function mutant(
  mutate: (store: Store<unknown>, config: StoreConfig) => Partial<Store<unknown>>,
  configShift?: (c: StoreConfig) => StoreConfig,
  inner: CacheProvider = memoryProvider(),
  name = 'mutant',
): CacheProvider {
  return {
    name,
    specificationVersion: inner.specificationVersion,
    capabilities: inner.capabilities,
    createStore<T>(config: StoreConfig): Store<T> {
      const cfg = configShift?.(config) ?? config;
      const store = inner.createStore<unknown>(cfg);
      const overrides = mutate(store, config);
      return new Proxy(store, {
        get(target, prop, receiver) {
          if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Store<unknown>];
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      }) as Store<T>;
    },
    close: () => inner.close(),
  };
}

/** The memory store's own count of the index memberships it holds (its diagnostics). */
function memoryFootprint(store: Store<unknown>): number {
  return (store as unknown as { stats(): { indexMemberships: number } }).stats().indexMemberships;
}

/** The memory provider with `indexFootprint` answered from the store's own diagnostics. */
function measuredMemory(): CacheProvider {
  return mutant((store) => ({ indexFootprint: () => memoryFootprint(store) }), undefined, memoryProvider(), 'memory');
}

function optionsFor(provider: CacheProvider, runner: ConformanceRunner, seed = 1234): ConformanceOptions {
  return {
    name: provider.name,
    createCache: (o) => createCache(provider, o),
    capabilities: provider.capabilities,
    runner,
    seed,
    numRuns: 10,
  };
}

async function runGroup(
  provider: CacheProvider,
  group: (kit: ConformanceKit) => void,
  extra: Partial<ConformanceOptions> = {},
): Promise<Map<string, string>> {
  const { runner, tests } = collectingRunner();
  group(createConformanceKit({ ...optionsFor(provider, runner), ...extra }));
  expect(tests.length).toBeGreaterThan(0);
  return failures(tests);
}

describe('conformance kit', () => {
  it('a correct provider passes the whole suite, and the suite runs every claimed group', async () => {
    const provider = measuredMemory();
    const { runner, tests, after } = collectingRunner();
    describeConformance({ ...optionsFor(provider, runner), teardown: () => provider.close() });
    const groups = new Set(tests.map((t) => t.name.split(' > ')[1]));
    expect(groups).toContain('eviction');
    expect(groups).toContain('indexes');
    expect(groups).toContain('reference values');
    expect(groups).toContain('touch');
    expect(groups).toContain('leave-event order');
    expect(groups).not.toContain('distributed');
    expect(Object.fromEntries(await failures(tests))).toEqual({});
    expect(after).toHaveLength(1);
    await after[0]!();
  });

  it('a provider without indexes passes, with index operations refused', async () => {
    const inner = memoryProvider();
    const plain: CacheProvider = {
      ...inner,
      name: 'no-indexes',
      capabilities: { ...inner.capabilities, indexes: false, derivedIndexes: false },
      createStore<T>(config: StoreConfig): Store<T> {
        const store = inner.createStore<T>(config);
        const hidden = ['addIndex', 'removeIndex', 'getByIndex', 'deleteByIndex', 'deriveIndexes'];
        return new Proxy(store, {
          get(target, prop, receiver) {
            if (typeof prop === 'string' && hidden.includes(prop)) {
              return undefined;
            }
            const v = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
      },
    };
    const { runner, tests } = collectingRunner();
    describeConformance(optionsFor(plain, runner));
    expect(tests.some((t) => t.name.includes('indexes (not claimed)'))).toBe(true);
    expect(Object.fromEntries(await failures(tests))).toEqual({});
  });

  it('catches a setMany that drops its TTL', async () => {
    const forever = mutant((store) => ({
      setMany: (entries: readonly (readonly [string, unknown])[]) => store.setMany!(entries, Number.POSITIVE_INFINITY),
    }));
    const failed = await runGroup(forever, ttlGroup);
    expect([...failed.keys()].some((n) => n.includes('the cache default TTL applies'))).toBe(true);
  });

  it('catches getByIndex returning a key whose entry is gone', async () => {
    const leaky = mutant((store) => ({
      getByIndex: async (name: string, key: string) => [...(await store.getByIndex!(name, key)), 'ghost'],
    }));
    const failed = await runGroup(leaky, indexGroup);
    expect([...failed.keys()].some((n) => n.includes('never returns a deleted'))).toBe(true);
  });

  it('catches a removeByIndex that does not name what it removed', async () => {
    const silent = mutant((store) => ({
      removeByIndex: (indexName: string, indexKey: string) => {
        store.removeByIndex!(indexName, indexKey);
        return [];
      },
    }));
    expect([...(await runGroup(silent, indexGroup)).keys()]).toContainEqual(
      expect.stringContaining('deleteByIndex deletes every live entry of the set'),
    );
  });

  it('catches a deleteMany that counts keys instead of removed entries', async () => {
    const wrong = mutant((store) => ({
      deleteMany: async (keys: readonly string[]) => {
        await store.deleteMany!(keys);
        return keys.length;
      },
    }));
    const failed = await runGroup(wrong, batchGroup);
    expect([...failed.keys()].some((n) => n.includes('deleteMany returns the count'))).toBe(true);
  });

  it('catches a non-atomic setIfNotExists under concurrency', async () => {
    const racy = mutant((store) => ({
      setIfNotExists: async (key: string, value: unknown, ttlMs: number) => {
        if (await store.has!(key)) return false;
        await new Promise((r) => setImmediate(r));
        await store.set(key, value, ttlMs);
        return true;
      },
    }));
    const failed = await runGroup(racy, conditionalGroup);
    expect([...failed.keys()].some((n) => n.includes('exactly one of 100 concurrent setIfNotExists'))).toBe(true);
  });

  it('the model-based check shrinks a divergence and prints the seed to replay it', async () => {
    const stale = mutant((store) => ({
      // Claims a key exists that was never written.
      has: async (key: string) => (await store.has!(key)) || key === 'a',
    }));
    const failed = await runGroup(stale, modelGroup);
    const [message] = [...failed.values()];
    expect(message).toMatch(/Counterexample/);
    expect(message).toMatch(/seed 1234; replay with describeConformance\(\{ \.\.\., seed: 1234 \}\)/);
  });

  it('refuses options without the capabilities it needs to decide what runs', () => {
    const { runner } = collectingRunner();
    const provider = memoryProvider();
    const bad = { ...optionsFor(provider, runner), capabilities: { ...provider.capabilities, indexes: undefined } };
    expect(() => describeConformance(bad as unknown as ConformanceOptions)).toThrow(/capabilities\.indexes/);
    const noAfter = { ...optionsFor(provider, { describe: runner.describe, it: runner.it }), teardown: () => {} };
    expect(() => describeConformance(noAfter)).toThrow(/afterAll/);
  });

  describe('local bound', () => {
    const LOSES_NONE = 'loses none of 30 entries';
    /** Memory stores claiming `localBound`, their config as `shift` makes it. */
    function claimingLocalBound(shift: (c: StoreConfig) => StoreConfig, name: string): CacheProvider {
      const inner = memoryProvider();
      const p = mutant(() => ({}), shift, inner, name);
      return { ...p, capabilities: { ...inner.capabilities, eviction: false, localBound: true } };
    }

    it('passes a store that keeps every entry (its bound, if any, is on a copy the kit cannot see)', async () => {
      const keeping = claimingLocalBound((c) => ({ ...c, maxEntries: undefined }), 'keeping');
      expect(Object.fromEntries(await runGroup(keeping, localBoundGroup))).toEqual({});
      const { runner, tests } = collectingRunner();
      describeConformance(optionsFor(keeping, runner));
      const groups = new Set(tests.map((t) => t.name.split(' > ')[1]));
      expect(groups).toContain('local bound');
      expect(groups).not.toContain('eviction');
    });

    it('catches a store claiming localBound that evicts entries beyond maxEntries', async () => {
      const evicting = claimingLocalBound((c) => c, 'evicting');
      const failed = await runGroup(evicting, localBoundGroup);
      expect([...failed.keys()]).toContainEqual(expect.stringContaining(LOSES_NONE));
      expect([...failed.keys()]).toContainEqual(expect.stringContaining('keeps its index memberships'));
      expect([...failed.values()].join('\n')).toMatch(
        /get k0 \(pass 1\) with maxEntries 10: expected 0, got undefined/,
      );
    });

    it('catches a store that drops entries beyond maxEntries without a leave event', async () => {
      const silent = claimingLocalBound((c) => ({ ...c, onLeave: undefined }), 'silent');
      expect([...(await runGroup(silent, localBoundGroup)).keys()]).toContainEqual(expect.stringContaining(LOSES_NONE));
    });

    it('refuses a provider that claims eviction and localBound together', () => {
      const { runner } = collectingRunner();
      const provider = memoryProvider();
      const both = { ...provider, capabilities: { ...provider.capabilities, localBound: true } };
      expect(() => describeConformance(optionsFor(both, runner))).toThrow(
        /claims both capabilities\.eviction and capabilities\.localBound, which exclude each other/,
      );
      const notBoolean = { ...provider.capabilities, eviction: false, localBound: 'yes' };
      expect(() =>
        describeConformance({
          ...optionsFor(provider, runner),
          capabilities: notBoolean,
        } as unknown as ConformanceOptions),
      ).toThrow(/capabilities\.localBound must be a boolean/);
    });
  });

  describe('getEntry', () => {
    const CHECK = 'getEntry returns the value get returns with the expiresAt getMetadata reports';
    /** The failure message of the getEntry check (`undefined` when it passed). */
    const checkFailure = (failed: Map<string, string>) => [...failed].find(([name]) => name.includes(CHECK))?.[1];
    /** `get` with a made-up expiry. */
    const withExpiry = (store: Store<unknown>, expiresAt: (key: string) => number | null) => (key: string) => {
      const value = store.get(key) as unknown;
      return value === undefined ? undefined : { value, expiresAt: expiresAt(key) };
    };

    it('catches a getEntry that drops the expiry', async () => {
      const timeless = mutant((store) => ({ getEntry: withExpiry(store, () => null) }));
      expect(checkFailure(await runGroup(timeless, metadataGroup))).toMatch(/the expiresAt getEntry\('k'\) returns/);
    });

    it('catches a getEntry that keeps answering what it read first (overwritten, deleted, expired)', async () => {
      const remembering = mutant((store) => {
        const seen = new Map<string, unknown>();
        return {
          getEntry: (key: string) => {
            if (!seen.has(key)) seen.set(key, store.getEntry!(key));
            return seen.get(key) as never;
          },
        };
      });
      expect(checkFailure(await runGroup(remembering, metadataGroup))).toMatch(/the value getEntry\('k'\) returns/);
    });

    it('catches a getEntry that does not count a hit like get', async () => {
      const uncounted = mutant((store) => ({
        getEntry: (key: string) => {
          const cur = store.getVersioned(key) as { value: unknown } | undefined;
          const meta = store.getMetadata(key) as { expiresAt: number | null } | undefined;
          return cur === undefined || meta === undefined ? undefined : { value: cur.value, expiresAt: meta.expiresAt };
        },
      }));
      expect(checkFailure(await runGroup(uncounted, metadataGroup))).toMatch(/count one hit like get/);
    });

    it("passes core's fallback for a store without getEntry (get + getMetadata)", async () => {
      const without = mutant(() => ({ getEntry: undefined }) as unknown as Partial<Store<unknown>>);
      const failed = await runGroup(without, metadataGroup);
      expect(Object.fromEntries(failed)).toEqual({});
    });
  });

  describe('touch', () => {
    it('catches a touch that creates an entry on a miss', async () => {
      const creating = mutant((store) => ({
        touch: (key: string, ttlMs: number) => {
          const had = store.get(key) !== undefined;
          if (!had) store.set(key, 'created', ttlMs);
          return had;
        },
      }));
      expect([...(await runGroup(creating, touchGroup)).keys()]).toContainEqual(
        expect.stringContaining('touch is false on a miss and on an expired entry, and creates nothing'),
      );
    });

    it('catches a touch that re-creates the entry (memberships and createdAt lost)', async () => {
      const recreating = mutant((store) => ({
        touch: (key: string, ttlMs: number) => {
          const v = store.get(key) as unknown;
          if (v === undefined) return false;
          store.delete(key);
          store.set(key, v, ttlMs);
          return true;
        },
      }));
      const failed = [...(await runGroup(recreating, touchGroup)).keys()];
      expect(failed).toContainEqual(expect.stringContaining('index memberships survive touch'));
      expect(failed).toContainEqual(expect.stringContaining('without rewriting it'));
    });

    it('catches a touch that ignores its TTL', async () => {
      const lazy = mutant((store) => ({ touch: (key: string) => store.get(key) !== undefined }));
      const failed = [...(await runGroup(lazy, touchGroup)).keys()];
      expect(failed).toContainEqual(expect.stringContaining('touch can also shorten'));
      expect(failed).toContainEqual(expect.stringContaining('touch with Infinity'));
    });
  });

  describe('derived indexes', () => {
    /** The memory provider, its stores handed a changed `DerivedIndexes`. */
    function deriving(change: (d: DerivedIndexes) => DerivedIndexes): CacheProvider {
      return mutant((store) => ({
        deriveIndexes: (d: DerivedIndexes) => store.deriveIndexes!(change(d)),
      }));
    }

    it('catches a store that picks its own victims (the oldest) instead of the ones overLimit returned', async () => {
      const ownRule = deriving((d) => ({
        ...d,
        overLimit: (key, name, ik, others) => {
          d.overLimit(key, name, ik, others);
          const oldest = [...others].sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : 1));
          return [oldest[0]!.key];
        },
      }));
      expect([...(await runGroup(ownRule, derivedIndexesGroup)).keys()]).toContainEqual(
        expect.stringContaining('removes exactly the entries overLimit returns'),
      );
    });

    it('catches a store that writes anyway when overLimit refuses', async () => {
      const deaf = deriving((d) => ({
        ...d,
        overLimit: (key, name, ik, others) => {
          try {
            return d.overLimit(key, name, ik, others);
          } catch {
            return [];
          }
        },
      }));
      expect([...(await runGroup(deaf, derivedIndexesGroup)).keys()]).toContainEqual(
        expect.stringContaining('a throw from overLimit refuses the write'),
      );
    });

    it('catches a store that never asks (it ignores limits)', async () => {
      const blind = deriving((d) => ({ ...d, limits: new Map() }));
      expect([...(await runGroup(blind, derivedIndexesGroup)).keys()]).toContainEqual(
        expect.stringContaining('asks overLimit only when'),
      );
    });

    it('catches a capability claim the store does not keep, either way', async () => {
      const without = mutant(() => ({ deriveIndexes: undefined }) as unknown as Partial<Store<unknown>>);
      expect([...(await runGroup(without, derivedIndexesGroup)).keys()]).toContainEqual(
        expect.stringContaining('the derivedIndexes claim matches the store'),
      );
      const modest = { ...memoryProvider(), capabilities: { ...memoryProvider().capabilities, derivedIndexes: false } };
      expect([...(await runGroup(modest, derivedIndexesGroup)).keys()]).toEqual([
        expect.stringContaining('the derivedIndexes claim matches the store'),
      ]);
    });
  });

  describe('leave-event order', () => {
    /** The memory store, but `reason` events go out before the store changes (the map-provider bug). */
    function eventFirst(reason: 'replaced' | 'deleted'): CacheProvider {
      return mutant(
        (store, config) => {
          const early = (key: string) => {
            const value = store.get(key);
            if (value !== undefined) config.onLeave?.({ cacheName: config.name, key, reason, value });
          };
          return reason === 'replaced'
            ? {
                set: (key: string, value: unknown, ttlMs: number) => {
                  early(key);
                  return store.set(key, value, ttlMs);
                },
              }
            : {
                delete: (key: string) => {
                  early(key);
                  return store.delete(key);
                },
              };
        },
        (config) => ({
          ...config,
          onLeave: (e: EntryLeaveEvent) => {
            if (e.reason !== reason) config.onLeave?.(e);
          },
        }),
      );
    }

    it("catches 'replaced' sent before the write (a listener's delete is undone, its index member dangles)", async () => {
      const failed = await runGroup(eventFirst('replaced'), leaveOrderGroup);
      const message = [...failed.entries()].find(([n]) => n.includes("'replaced' comes after the write"))?.[1];
      expect(message).toMatch(/before the write/);
    });

    it("catches 'deleted' sent before the delete", async () => {
      const failed = await runGroup(eventFirst('deleted'), leaveOrderGroup);
      expect([...failed.keys()]).toContainEqual(expect.stringContaining("'deleted' comes after the delete"));
    });

    it('catches an in-process store that does not report overwrites at all', async () => {
      const silent = mutant(
        () => ({}),
        (config) => ({ ...config, onLeave: (e) => (e.reason === 'replaced' ? undefined : config.onLeave?.(e)) }),
      );
      const failed = await runGroup(silent, leaveOrderGroup);
      expect([...failed.values()].join('\n')).toMatch(/expected a 'replaced' leave event/);
    });
  });

  describe('index hygiene, measured', () => {
    it('catches a store that filters dead members on read but never frees them (its footprint only grows)', async () => {
      const leaky = mutant((store) => {
        let added = 0;
        return {
          addIndex: (name: string, key: string, indexKey: string) => {
            const ok = store.addIndex!(name, key, indexKey);
            if (ok) added++;
            return ok;
          },
          indexFootprint: () => Math.max(added, memoryFootprint(store)),
        };
      });
      const failed = await runGroup(leaky, indexGroup);
      expect([...failed.entries()].filter(([n]) => n.includes('index hygiene measured')).map(([, m]) => m)).toEqual([
        expect.stringMatching(
          /expected index storage back to at most 0 memberships after round 0 of deletes, measured \d+/,
        ),
      ]);
    });

    it('catches a footprint that does not count live memberships (a store cannot pass by answering 0)', async () => {
      const zero = mutant(() => ({ indexFootprint: () => 0 }));
      const failed = await runGroup(zero, indexGroup);
      expect([...failed.values()].join('\n')).toMatch(/to count the 24 live memberships just added/);
    });

    it('fails a provider that claims indexes but cannot measure them', async () => {
      // The memory store measures its index storage itself now: take that away.
      const blind = mutant(() => ({ indexFootprint: undefined }) as unknown as Partial<Store<unknown>>);
      const failed = await runGroup(blind, indexGroup);
      expect([...failed.values()].join('\n')).toMatch(/could not measure index storage: .*indexFootprint/);
    });

    it('passes the memory store measured through its own diagnostics', async () => {
      const failed = await runGroup(measuredMemory(), indexGroup);
      expect(Object.fromEntries(failed)).toEqual({});
    });
  });

  it('catches a scanKeys that leaves the pipeline before its keys are delivered', async () => {
    const provider = measuredMemory();
    const early = <T>(o: CacheOptions<T>): Cache<T> => {
      const cache = createCache<T>(provider, o);
      return new Proxy(cache, {
        get(target, prop, receiver) {
          if (prop === 'scanKeys') {
            return (pattern: string) => ({
              async *[Symbol.asyncIterator]() {
                const all: string[] = [];
                for await (const k of target.scanKeys(pattern)) all.push(k);
                yield* all;
              },
            });
          }
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    };
    const failed = await runGroup(provider, errorsGroup, { createCache: early });
    expect([...failed.keys()]).toContainEqual(expect.stringContaining('scanKeys runs through the pipeline'));
  });

  describe('single-flight over a store that answers after random delays', () => {
    // The groups where an asynchronous store changes what core must do (who joins a flight, when
    // waiters reject, what a listener sees); the rest of the kit does not care how a store answers.
    for (const group of [
      getOrSetGroup,
      loadCancellationGroup,
      resurrectionGroup,
      leaveOrderGroup,
      updateGroup,
      basicGroup,
    ]) {
      it(`${group.name} passes over a store that answers every call through a promise after 0–3 ms`, async () => {
        const failed = await runGroup(networked(measuredMemory()), group);
        expect(Object.fromEntries(failed)).toEqual({});
      });
    }

    it('fails a test in which a promise rejection goes unhandled', async () => {
      const stray = mutant((store) => ({
        get: (key: string) => {
          Promise.reject(new Error('stray rejection from the store'));
          return store.get(key);
        },
      }));
      // The runner's own listeners would report it as an error of this file: the kit must see it itself.
      const saved = process.listeners('unhandledRejection');
      process.removeAllListeners('unhandledRejection');
      try {
        const failed = await runGroup(stray, basicGroup);
        expect([...failed.values()].join('\n')).toMatch(
          /expected no unhandled promise rejection.*stray rejection from the store/,
        );
      } finally {
        for (const l of saved) process.on('unhandledRejection', l);
      }
    });
  });

  describe('distributed', () => {
    it('refuses distributed without createPeerCache', () => {
      const { runner } = collectingRunner();
      const provider = sharedBackend().provider();
      expect(() => describeConformance(optionsFor(provider, runner))).toThrow(/createPeerCache/);
    });

    it('catches a distributed store whose removals in another process do not stop a load from storing', async () => {
      const backend = sharedBackend();
      const failed = await runGroup(backend.provider(), distributedGroup, {
        createPeerCache: (o) => createCache(backend.provider(), o),
      });
      for (const op of ['delete', 'deleteMany', 'deleteByPattern', 'deleteByIndex']) {
        const message = [...failed.entries()].find(([n]) =>
          n.includes(`a ${op} in another process during a load wins`),
        )?.[1];
        expect(message, op).toMatch(/to win: B read the value A's late load stored/);
      }
    });

    it('catches a loadThrough that holds a pooled connection while the loader runs (nested loads deadlock)', async () => {
      const backend = sharedBackend({ poolSize: 4 });
      const failed = await runGroup(backend.provider(), distributedGroup, {
        createPeerCache: (o) => createCache(backend.provider(), o),
      });
      const message = [...failed.entries()].find(([n]) => n.includes('nested loads that outnumber'))?.[1];
      expect(message).toMatch(/likely deadlocked: a loadThrough .* holds a pooled connection/);
    }, 40_000);
  });
  it('every assertion in the kit carries a message (no bare "4 !== 1")', () => {
    const dir = new URL('.', import.meta.url);
    const bare: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const src = readFileSync(new URL(file, dir), 'utf8');
      for (const m of src.matchAll(/\bassert\.(ok|equal|deepEqual|notEqual|notDeepEqual|strictEqual|match)\(/g)) {
        const needed = m[1] === 'ok' ? 2 : 3;
        const args = countArguments(src, m.index + m[0].length - 1);
        if (args < needed)
          bare.push(`${file}:${src.slice(0, m.index).split('\n').length}: assert.${m[1]} with ${args} argument(s)`);
      }
    }
    expect(bare).toEqual([]);
  });
});

/**
 * The memory provider behind a network: every store method answers through a promise after a
 * random 0–3 ms on the way in and out (seeded), as a remote backend does.
 */
function networked(inner: CacheProvider): CacheProvider {
  const random = seededRandom(99);
  const lag = () => new Promise<void>((r) => setTimeout(r, Math.floor(random() * 4)));
  const sync = new Set(['deriveIndexes']);
  return {
    name: `${inner.name} (networked)`,
    specificationVersion: inner.specificationVersion,
    capabilities: inner.capabilities,
    createStore<T>(config: StoreConfig): Store<T> {
      const store = inner.createStore<T>(config);
      return new Proxy(store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function' || typeof prop !== 'string' || sync.has(prop)) return v;
          if (prop === 'scan') {
            return (glob: CompiledGlob) => ({
              async *[Symbol.asyncIterator]() {
                await lag();
                for await (const k of v.call(target, glob) as AsyncIterable<string>) yield k;
                await lag();
              },
            });
          }
          return async (...args: unknown[]) => {
            await lag();
            const result = await v.apply(target, args);
            await lag();
            return result;
          };
        },
      });
    },
    close: () => inner.close(),
  };
}

/**
 * One in-memory backend shared by several provider instances (standing for processes), each with
 * its own store objects over the same entries. Without `poolSize` it has no `loadThrough` (so no
 * cross-process protection); with it, its `loadThrough` holds one of `poolSize` connections of its
 * provider instance for the whole load, the deadlock the kit must catch.
 */
function sharedBackend(opts: { poolSize?: number } = {}) {
  const memory = memoryProvider();
  const stores = new Map<string, Store<unknown>>();
  return {
    provider(): CacheProvider {
      let free = opts.poolSize ?? 0;
      const queue: (() => void)[] = [];
      const acquire = async () => {
        if (free > 0) free--;
        else await new Promise<void>((r) => queue.push(r));
      };
      const release = () => {
        const next = queue.shift();
        if (next !== undefined) next();
        else free++;
      };
      return {
        name: 'shared',
        specificationVersion: 2,
        capabilities: { ...memory.capabilities, distributed: true, eviction: false },
        createStore<T>(config: StoreConfig): Store<T> {
          let store = stores.get(config.name);
          if (store === undefined) {
            store = memory.createStore<unknown>(config);
            stores.set(config.name, store);
          }
          const shared = store;
          const overrides: Partial<Store<unknown>> = { close: () => {} };
          if (opts.poolSize !== undefined) {
            overrides.loadThrough = async (key: string, ttlMs: number, ctx: LoadThroughContext<unknown>) => {
              await acquire();
              try {
                const cached = shared.get(key);
                if (cached !== undefined) return cached;
                const value = await ctx.load();
                if (ctx.shouldStore()) shared.set(key, value, ttlMs);
                return value;
              } finally {
                release();
              }
            };
          }
          return new Proxy(shared, {
            get(target, prop, receiver) {
              if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Store<unknown>];
              const v = Reflect.get(target, prop, receiver);
              return typeof v === 'function' ? v.bind(target) : v;
            },
          }) as Store<T>;
        },
        close: async () => {},
      };
    },
  };
}

/** The number of top-level arguments of the call whose '(' is at `open` (strings, templates and comments skipped). */
function countArguments(src: string, open: number): number {
  let depth = 0;
  let args = 0;
  let content = false;
  for (let i = open; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipString(src, i);
      content = true;
      continue;
    }
    if (ch === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i);
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
      if (depth > 1) content = true;
      continue;
    }
    if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return content ? args + 1 : args;
      continue;
    }
    if (ch === ',' && depth === 1) {
      args++;
      content = false;
    } else if (!/\s/.test(ch)) content = true;
  }
  throw new Error(`unbalanced call at ${open}`);
}

/** The index of the closing quote of the string or template literal opening at `start`. */
function skipString(src: string, start: number): number {
  const quote = src[start];
  for (let i = start + 1; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\') i++;
    else if (ch === quote) return i;
    else if (quote === '`' && ch === '$' && src[i + 1] === '{') {
      let depth = 1;
      for (i += 2; depth > 0; i++) {
        if (src[i] === "'" || src[i] === '"' || src[i] === '`') i = skipString(src, i);
        else if (src[i] === '{') depth++;
        else if (src[i] === '}') depth--;
      }
      i--;
    }
  }
  throw new Error(`unterminated string at ${start}`);
}
