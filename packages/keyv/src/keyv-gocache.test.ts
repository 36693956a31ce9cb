import { type Cache, CacheError, createCache, isCacheError, type MiddlewareFn } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { Keyv } from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyvGocache } from './index.js';

const open: Cache<unknown>[] = [];
function newCache(opts: { ttl?: string; middleware?: MiddlewareFn[] } = {}): Cache<unknown> {
  const cache = createCache<unknown>(memoryProvider(), { name: `keyv-unit-${open.length}`, ...opts });
  open.push(cache);
  return cache;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function expiresAt(cache: Cache<unknown>, key: string): Promise<number | null | undefined> {
  return (await cache.getMetadata(key))?.expiresAt;
}

describe('TTL mapping', () => {
  it('stores a positive TTL as it is', async () => {
    const cache = newCache();
    const store = new KeyvGocache(cache);
    const before = Date.now();
    await store.set('k', 'v', 60_000);
    const at = await expiresAt(cache, 'k');
    expect(at).toBeGreaterThanOrEqual(before + 60_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('deletes on a TTL ≤ 0, which gocache would refuse', async () => {
    const cache = newCache();
    const store = new KeyvGocache(cache);
    for (const ttl of [0, -1, -60_000, Number.NEGATIVE_INFINITY]) {
      await cache.set('k', 'old');
      expect(await store.set('k', 'new', ttl)).toBe(true);
      expect(await cache.has('k')).toBe(false);
    }
  });

  it('means no expiry for a missing TTL, Infinity, NaN and anything beyond gocache’s finite range', async () => {
    const cache = newCache({ ttl: '1h' });
    const store = new KeyvGocache(cache);
    for (const ttl of [undefined, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.POSITIVE_INFINITY, Number.NaN]) {
      await store.set('k', 'v', ttl);
      expect(await expiresAt(cache, 'k'), String(ttl)).toBeNull();
    }
  });

  it("uses the cache's default TTL for a missing TTL with defaultTtl: 'cache'", async () => {
    const cache = newCache({ ttl: '1h' });
    const store = new KeyvGocache(cache, { defaultTtl: 'cache' });
    const before = Date.now();
    await store.set('k', 'v');
    expect(await expiresAt(cache, 'k')).toBeGreaterThanOrEqual(before + 3_600_000);
    await store.set('k', 'v', Number.MAX_SAFE_INTEGER);
    expect(await expiresAt(cache, 'k')).toBeNull();
  });

  it('refuses a TTL that is not a number with INVALID_TTL naming cache, operation and key', async () => {
    const cache = newCache();
    const store = new KeyvGocache(cache);
    const err = await store.set('k', 'v', '5s' as unknown as number).catch((e: unknown) => e);
    expect(isCacheError(err, 'INVALID_TTL')).toBe(true);
    expect((err as CacheError).message).toMatch(/cache "keyv-unit-\d+" set\("k"\): a Keyv TTL is a number/);
  });

  it('works behind Keyv with the TTLs Keyv sends', async () => {
    const cache = newCache();
    const keyv = new Keyv({ store: new KeyvGocache(cache), ttl: Number.MAX_SAFE_INTEGER, useKeyPrefix: false });
    expect(await keyv.set('forever', 1)).toBe(true);
    expect(await keyv.get('forever')).toBe(1);
    expect(await expiresAt(cache, 'keyv::forever')).toBeNull();
    await keyv.set('gone', 1, 60_000);
    expect(await keyv.set('gone', 2, -1)).toBe(true);
    expect(await cache.has('keyv::gone')).toBe(false);
  });
});

describe('setMany', () => {
  it('gives each entry its own TTL, deletes entries with TTL ≤ 0, and lets the last of a repeated key win', async () => {
    const cache = newCache({ ttl: '1h' });
    const store = new KeyvGocache(cache);
    await cache.set('expired', 'old');
    const before = Date.now();
    const result = await store.setMany([
      { key: 'short', value: 1, ttl: 1_000 },
      { key: 'long', value: 2, ttl: 86_400_000 },
      { key: 'none', value: 3 },
      { key: 'max', value: 4, ttl: Number.MAX_SAFE_INTEGER },
      { key: 'expired', value: 5, ttl: -1 },
      { key: 'twice', value: 'first', ttl: 1_000 },
      { key: 'twice', value: 'second' },
    ]);
    expect(result).toEqual([true, true, true, true, true, true, true]);
    expect(await expiresAt(cache, 'short')).toBeGreaterThanOrEqual(before + 1_000);
    expect(await expiresAt(cache, 'short')).toBeLessThan(before + 60_000);
    expect(await expiresAt(cache, 'long')).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(await expiresAt(cache, 'none')).toBeNull();
    expect(await expiresAt(cache, 'max')).toBeNull();
    expect(await cache.has('expired')).toBe(false);
    expect(await cache.get('twice')).toBe('second');
    expect(await expiresAt(cache, 'twice')).toBeNull();
  });

  it('writes nothing when one TTL is invalid', async () => {
    const cache = newCache();
    const store = new KeyvGocache(cache);
    const bad = [
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 'soon' as unknown as number },
    ];
    await expect(store.setMany(bad)).rejects.toMatchObject({ code: 'INVALID_TTL', key: 'b' });
    expect(await cache.has('a')).toBe(false);
  });

  it('is what keyv.setMany uses, with Keyv namespaces', async () => {
    const cache = newCache();
    const keyv = new Keyv({ store: new KeyvGocache(cache), namespace: 'ns' });
    expect(
      await keyv.setMany([
        { key: 'a', value: 1, ttl: 60_000 },
        { key: 'b', value: 2 },
      ]),
    ).toEqual([true, true]);
    expect(await keyv.get(['a', 'b'])).toEqual([1, 2]);
    expect((await cache.getKeysByPattern('*')).sort()).toEqual(['ns::ns:a', 'ns::ns:b']);
  });
});

describe('namespaces', () => {
  for (const useKeyPrefix of [true, false]) {
    it(`scopes clear() and iterator() to the namespace (useKeyPrefix: ${useKeyPrefix})`, async () => {
      const cache = newCache();
      const a = new Keyv({ store: new KeyvGocache(cache), namespace: 'a', useKeyPrefix });
      const b = new Keyv({ store: new KeyvGocache(cache), namespace: 'b', useKeyPrefix });
      // A namespace with glob characters must not widen the pattern clear() deletes by.
      const star = new Keyv({ store: new KeyvGocache(cache), namespace: '*', useKeyPrefix });
      await Promise.all([a.set('x', 'a-x'), a.set('y', 'a-y'), b.set('x', 'b-x'), star.set('x', 'star-x')]);
      await cache.set('outside', 'not keyv');

      const seen: [string, unknown][] = [];
      for await (const entry of a.iterator!(undefined)) seen.push(entry);
      expect(seen.sort()).toEqual([
        ['x', 'a-x'],
        ['y', 'a-y'],
      ]);

      await star.clear();
      expect(await star.get('x')).toBeUndefined();
      await a.clear();
      expect(await a.get('x')).toBeUndefined();
      expect(await b.get('x')).toBe('b-x');
      expect(await cache.get('outside')).toBe('not keyv');
      const prefix = useKeyPrefix ? 'b::b:' : 'b::';
      expect(await cache.getKeysByPattern('*')).toEqual(expect.arrayContaining([`${prefix}x`, 'outside']));
    });
  }

  it('clears the whole cache without a namespace', async () => {
    const cache = newCache();
    const store = new KeyvGocache(cache);
    const keyv = new Keyv({ store, namespace: 'a' });
    await keyv.set('x', 1);
    await cache.set('outside', 2);
    keyv.namespace = undefined;
    expect(store.namespace).toBeUndefined();
    await keyv.clear();
    expect(await cache.getKeysByPattern('*')).toEqual([]);
  });

  it('follows keyv.namespace changes made after the store was built', async () => {
    const cache = newCache();
    const store = new KeyvGocache(cache);
    const keyv = new Keyv({ store, useKeyPrefix: false });
    keyv.namespace = 'later';
    expect(store.namespace).toBe('later');
    await keyv.set('k', 1);
    expect(await cache.get('later::k')).toBeDefined();
  });

  it('refuses a namespace that contains the separator, whose clear() would reach another namespace', async () => {
    const cache = newCache();
    expect(() => new Keyv({ store: new KeyvGocache(cache), namespace: 'a::b' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/keyPrefixSeparator/) }),
    );
    const store = new KeyvGocache(cache, { keyPrefixSeparator: '|' });
    const keyv = new Keyv({ store, namespace: 'a::b', useKeyPrefix: false });
    await keyv.set('k', 1);
    expect(await cache.get('a::b|k')).toBeDefined();
  });
});

describe('read errors reach the user', () => {
  const unavailable: MiddlewareFn = async (ctx, next) => {
    if (ctx.op === 'set' || ctx.op === 'setMany') return next();
    throw new CacheError('UNAVAILABLE', 'backend down (test)', { cacheName: ctx.cacheName, op: ctx.op, key: ctx.key });
  };

  function downKeyv(options: { throwOnErrors?: boolean } = {}) {
    const store = new KeyvGocache(newCache({ middleware: [unavailable] }));
    const keyv = new Keyv({ store, ...options });
    const errors: unknown[] = [];
    keyv.on('error', (e) => errors.push(e));
    return { keyv, errors };
  }

  it('keyv.get: an error event, not only a silent miss', async () => {
    const { keyv, errors } = downKeyv();
    expect(await keyv.get('k')).toBeUndefined(); // Keyv's own choice without throwOnErrors
    expect(errors).toHaveLength(1);
    expect(isCacheError(errors[0], 'UNAVAILABLE')).toBe(true);
  });

  it('keyv.get with throwOnErrors: rejects with the CacheError', async () => {
    const { keyv, errors } = downKeyv({ throwOnErrors: true });
    await expect(keyv.get('k')).rejects.toMatchObject({ code: 'UNAVAILABLE', key: 'keyv::keyv:k' });
    expect(errors).toHaveLength(1);
  });

  it('getMany, has, hasMany and the iterator reject and emit', async () => {
    const { keyv, errors } = downKeyv();
    await expect(keyv.get(['a', 'b'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(keyv.has('a')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(keyv.has(['a', 'b'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const iterate = async () => {
      for await (const _ of keyv.iterator!(undefined)) expect.unreachable();
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(errors.map((e) => (e as CacheError).op)).toEqual(['getMany', 'has', 'has', 'scanKeys']);
  });

  it('write errors are emitted once (by Keyv), not twice', async () => {
    const { keyv, errors } = downKeyv();
    expect(await keyv.delete('k')).toBe(false);
    await keyv.clear();
    expect(errors.map((e) => (e as CacheError).op)).toEqual(['delete', 'deleteByPattern']);
  });

  it('without any error listener the adapter still rejects with the error itself', async () => {
    const store = new KeyvGocache(newCache({ middleware: [unavailable] }));
    await expect(store.get('k')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('options', () => {
  it('refuses unknown and bad options with INVALID_ARGUMENT', () => {
    const cache = newCache();
    for (const [options, message] of [
      [{ namespace: 'x' }, /unknown option "namespace"/],
      [{ keyPrefixSeparator: '' }, /keyPrefixSeparator must be a non-empty string/],
      [{ defaultTtl: 'never' }, /defaultTtl must be 'none'/],
      [{ iterationBatchSize: 0 }, /iterationBatchSize must be a positive integer/],
    ] as const) {
      expect(() => new KeyvGocache(cache, options as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) }),
      );
    }
  });

  it('refuses something that is not a gocache cache', () => {
    for (const bad of [undefined, null, new Map(), 'cache']) {
      expect(() => new KeyvGocache(bad as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/needs a gocache Cache/) }),
      );
    }
  });

  it('iterates in batches of iterationBatchSize', async () => {
    const cache = newCache();
    const keyv = new Keyv({ store: new KeyvGocache(cache, { iterationBatchSize: 2 }), useKeyPrefix: false });
    await keyv.setMany(Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: i })));
    const seen = new Map<string, unknown>();
    for await (const [k, v] of keyv.iterator!(undefined)) seen.set(k, v);
    expect(seen).toEqual(new Map([0, 1, 2, 3, 4].map((i) => [`k${i}`, i])));
  });
});
