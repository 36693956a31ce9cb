import { randomBytes } from 'node:crypto';
import { type Cache, createCache, isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { describeLifecycle } from '../test/lifecycle-suite.js';
import { GocacheSessionStore } from './session-store.js';

const name = () => `sessions-${randomBytes(4).toString('hex')}`;

describeLifecycle('memory provider', async () => {
  const cache = createCache<string>(memoryProvider(), { name: name(), indexes: { sessions_by_user: 'sess:*' } });
  return { cache, dispose: () => cache.close() };
});

describe('options', () => {
  const cache = createCache<string>(memoryProvider(), { name: 'opts' });
  const invalid = (make: () => unknown, text: RegExp) => {
    try {
      make();
    } catch (e) {
      expect(isCacheError(e, 'INVALID_ARGUMENT')).toBe(true);
      expect((e as Error).message).toMatch(text);
      expect((e as Error).message).toContain('cache "opts" GocacheSessionStore');
      return;
    }
    throw new Error('expected INVALID_ARGUMENT');
  };

  it('refuses what a connect-redis user could get wrong, saying what to pass', () => {
    invalid(() => new GocacheSessionStore({ cache, ttl: 0 }), /ttl.*seconds > 0/);
    invalid(() => new GocacheSessionStore({ cache, ttl: '1d' as never }), /ttl/);
    invalid(() => new GocacheSessionStore({ cache, client: {} } as never), /unknown option\(s\) client/);
    invalid(() => new GocacheSessionStore({ cache, serializer: {} as never }), /stringify/);
    invalid(() => new GocacheSessionStore({ cache, userId: 'id' as never }), /userId/);
    invalid(() => new GocacheSessionStore({ cache, revokedTtl: -1 }), /revokedTtl/);
    expect(() => new GocacheSessionStore({ cache: {} as Cache<string> })).toThrow(/must be a gocache Cache/);
  });

  it('a ttl function returning no number is an error for that save, not a silent default', async () => {
    const store = new GocacheSessionStore({ cache, ttl: () => Number.NaN });
    await expect(store.set('s', { cookie: {} } as never)).rejects.toSatisfy(
      (e) => isCacheError(e, 'INVALID_ARGUMENT') && /ttl option returned NaN/.test((e as Error).message),
    );
  });
});

describe('userId needs the index declared on the cache', () => {
  it('refuses with INVALID_ARGUMENT before writing anything when the index is not declared', async () => {
    const cache = createCache<string>(memoryProvider(), { name: name(), indexes: { other: 'x:*' } });
    const store = new GocacheSessionStore({ cache, userId: (s) => (s as { userId?: string }).userId });
    const err = await store.set('s1', { cookie: {}, userId: 'u' } as never).catch((e: unknown) => e);
    expect(isCacheError(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain("indexes: { sessions_by_user: 'sess:*' }");
    expect(await cache.has('sess:s1')).toBe(false);
    await cache.close();
  });

  it('refuses when the declared pattern does not cover the prefix', async () => {
    const cache = createCache<string>(memoryProvider(), { name: name(), indexes: { sessions_by_user: 'session:*' } });
    const store = new GocacheSessionStore({ cache, userId: () => 'u' });
    await expect(store.destroyAllForUser('u')).rejects.toSatisfy((e) => isCacheError(e, 'INVALID_ARGUMENT'));
    await cache.close();
  });

  it('works with a custom prefix and index name', async () => {
    const cache = createCache<string>(memoryProvider(), { name: name(), indexes: { by_owner: 'app\\*:*' } });
    const store = new GocacheSessionStore({ cache, prefix: 'app*:', userIndex: 'by_owner', userId: () => 'u' });
    await store.set('s1', { cookie: {} } as never);
    expect(await cache.getByIndex('by_owner', 'u')).toEqual(['app*:s1']);
    expect(await store.ids()).toEqual(['s1']);
    expect(await store.destroyAllForUser('u')).toBe(1);
    await cache.close();
  });
});

describe('memory provider by reference', () => {
  it('never holds the object a request is mutating', async () => {
    const cache = createCache<string>(memoryProvider(), { name: name() });
    const store = new GocacheSessionStore({ cache });
    const live = { cookie: { originalMaxAge: null }, cart: ['a'] };
    await store.set('s', live as never);
    live.cart.push('b'); // a request keeps changing its session after the save
    expect(((await store.get('s')) as unknown as { cart: string[] }).cart).toEqual(['a']);
    await cache.close();
  });
});
