import { type CacheProvider, createCache, isCacheError, type Store } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mapProvider } from '../../../examples/map-provider/src/index.ts';
import { portableIndexes } from './portable-indexes.js';
import { withIndexes } from './with-indexes.js';

const INDEX_PRIMITIVES = new Set(['addIndex', 'removeIndex', 'getByIndex', 'deleteByIndex', 'deriveIndexes']);

/** The reference provider with its index primitives removed: key/value primitives only. */
function keyValueOnly(p: CacheProvider): CacheProvider {
  return {
    ...p,
    name: `${p.name}-kv-only`,
    capabilities: { ...p.capabilities, indexes: false },
    createStore<T>(config: Parameters<CacheProvider['createStore']>[0]): Store<T> {
      const store = p.createStore<T>(config);
      return new Proxy(store, {
        get(target, prop) {
          if (typeof prop === 'string' && INDEX_PRIMITIVES.has(prop)) return undefined;
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
    close: () => p.close(),
  };
}

const runner = { describe, it, beforeAll, afterAll, beforeEach, afterEach };
const bare = keyValueOnly(mapProvider());

const portable = portableIndexes(bare);
it('without the layer the provider has no index support; with it, it claims indexes', async () => {
  expect(bare.capabilities.indexes).toBe(false);
  expect(portable.capabilities.indexes).toBe(true);
  const c = createCache<number>(bare, { name: 'bare' });
  await c.set('k', 1);
  await expect(c.addIndex('i', 'k', 'v')).rejects.toSatisfy((e) => isCacheError(e, 'INVALID_ARGUMENT'));
  await c.close();
});

it('hints the store evicts are rebuilt from the entries: no live member is ever hidden', async () => {
  const cache = withIndexes(createCache<{ owner: string }>(portable, { name: 'evicting', maxEntries: 30 }), {
    by_owner: { pattern: 'doc:*', by: (d) => d.owner },
  });
  const owners = Array.from({ length: 10 }, (_, i) => `o${i}`);
  for (let i = 0; i < 400; i++) {
    await cache.set(`doc:${i % 40}`, { owner: owners[(i * 7) % 10]! });
    if (i % 20 !== 19) continue;
    for (const o of owners) {
      const got = await cache.keys({ index: 'by_owner', key: o });
      // Read after the query: the query's own hint writes may evict entries (then they are gone
      // from both). Every live entry of the owner must be in the answer, and nothing else live.
      const live = await cache.getMany(await cache.getKeysByPattern('doc:*'));
      const want = [...live].filter(([, v]) => v.owner === o).map(([k]) => k);
      for (const k of want) expect(got, `after ${i + 1} writes, owner ${o}`).toContain(k);
      for (const k of got) if (live.has(k)) expect(live.get(k)!.owner).toBe(o);
    }
  }
  await cache.close();
});

// The whole kit, index and eviction sections included, on the same provider through the layer.
describeConformance({
  name: 'portableIndexes(map-provider, index primitives removed)',
  createCache: (o) => createCache(portable, o),
  capabilities: portable.capabilities,
  runner,
  teardown: () => portable.close(),
});
