import { type CacheProvider, createCache, type Middleware } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { accessControl } from './access-control.js';
import { keyHashing } from './key-hashing.js';
import { secureCleanup } from './secure-cleanup.js';

const zero = (b: Uint8Array) => b.every((x) => x === 0);

/** One memory store shared by every cache of a name, as Redis is shared across deploys. */
function sharedProvider(): CacheProvider {
  const inner = memoryProvider();
  const stores = new Map<string, ReturnType<CacheProvider['createStore']>>();
  return {
    name: 'shared',
    specificationVersion: 1,
    capabilities: inner.capabilities,
    createStore(config) {
      let s = stores.get(config.name);
      if (s === undefined) stores.set(config.name, (s = inner.createStore(config)));
      return s as never;
    },
    close: () => inner.close(),
  };
}

describe('security middleware together', () => {
  for (const [label, order] of [
    ['keyHashing outside secureCleanup', (h: Middleware, c: Middleware) => [h, c]],
    ['secureCleanup outside keyHashing', (h: Middleware, c: Middleware) => [c, h]],
  ] as const) {
    it(`${label}: overwrites and deletes of hashed keys still wipe, and keep the new value`, async () => {
      const cache = createCache<{ token: Buffer }>(memoryProvider(), {
        name: 'combo',
        middleware: order(keyHashing({ secret: 's' }), secureCleanup()),
      });
      const old = { token: Buffer.alloc(8, 1) };
      const next = { token: Buffer.alloc(8, 2) };
      await cache.set('tok', old);
      await cache.set('tok', next);
      expect(zero(old.token)).toBe(true);
      expect(zero(next.token)).toBe(false);
      await cache.setMany([['tok', { token: next.token }]]);
      expect(zero(next.token)).toBe(false);
      await cache.delete('tok');
      expect(zero(next.token)).toBe(true);
      await cache.close();
    });
  }

  it('rotation follow-up calls carry the caller attributes, so access control still allows them', async () => {
    const provider = sharedProvider();
    const allow = accessControl((ctx) => ctx.attributes.caller === 'app');
    const app = { attributes: { caller: 'app' } };
    const v1 = createCache<string>(provider, { name: 'rot', middleware: [allow, keyHashing({ secret: 'v1' })] });
    await v1.set('tok', 'alice', app);
    const hashing = keyHashing({ secret: 'v2', previousSecrets: ['v1'] });
    const v2 = createCache<string>(provider, { name: 'rot', middleware: [allow, hashing] });
    hashing.bindCache(v2);
    await expect(v2.get('tok')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await v2.get('tok', app)).toBe('alice');
    expect(await v2.has('tok', app)).toBe(true);
    expect(await v1.get('tok', app)).toBeUndefined();
    await v2.close();
  });
});
