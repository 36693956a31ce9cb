import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { createCache } from '../create-cache.js';
import type { CacheProvider, Store, StoreConfig } from '../spi.js';
import { batchGroup } from './batch.js';
import { conditionalGroup } from './conditional.js';
import { createConformanceKit, describeConformance } from './describe-conformance.js';
import { indexGroup } from './indexes.js';
import type { ConformanceKit } from './kit.js';
import { modelGroup } from './model.js';
import { ttlGroup } from './ttl.js';
import type { ConformanceOptions, ConformanceRunner, RunnerFn } from './types.js';

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

/** A provider whose stores are changed by `mutate` (a deliberately broken provider). */
function mutant(
  mutate: (store: Store<unknown>, config: StoreConfig) => Partial<Store<unknown>>,
  configShift?: (c: StoreConfig) => StoreConfig,
): CacheProvider {
  const inner = memoryProvider();
  return {
    ...inner,
    name: 'mutant',
    capabilities: inner.capabilities,
    createStore<T>(config: StoreConfig): Store<T> {
      const cfg = configShift?.(config) ?? config;
      const store = inner.createStore<unknown>(cfg);
      const overrides = mutate(store, cfg);
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

async function runGroup(provider: CacheProvider, group: (kit: ConformanceKit) => void): Promise<Map<string, string>> {
  const { runner, tests } = collectingRunner();
  group(createConformanceKit(optionsFor(provider, runner)));
  expect(tests.length).toBeGreaterThan(0);
  return failures(tests);
}

describe('conformance kit', () => {
  it('a correct provider passes the whole suite, and the suite runs every claimed group', async () => {
    const provider = memoryProvider();
    const { runner, tests, after } = collectingRunner();
    describeConformance({ ...optionsFor(provider, runner), teardown: () => provider.close() });
    const groups = new Set(tests.map((t) => t.name.split(' > ')[1]));
    expect(groups).toContain('eviction');
    expect(groups).toContain('indexes');
    expect(groups).toContain('reference values');
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
      capabilities: { ...inner.capabilities, indexes: false },
      createStore<T>(config: StoreConfig): Store<T> {
        const store = inner.createStore<T>(config);
        return new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'addIndex' || prop === 'removeIndex' || prop === 'getByIndex' || prop === 'deleteByIndex') {
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
});
