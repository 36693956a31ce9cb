import { isCacheError } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../test/fixtures.js';
import { memoryCache } from './memory-cache.js';

describe('memoryCache', () => {
  it('is a full Cache<T> over the memory provider', async () => {
    const clock = fakeClock();
    const leaves: string[] = [];
    const cache = memoryCache<{ id: number }>({
      name: 'users',
      ttl: '1m',
      maxEntries: 2,
      clock,
      hooks: { onEvict: (e) => leaves.push(`${e.key}:${e.reason}`) },
      providerOptions: { policy: 'lfu', sizeCalculation: () => 1 },
    });
    await cache.set('a', { id: 1 });
    await cache.set('b', { id: 2 });
    await cache.get('a');
    await cache.set('c', { id: 3 });
    expect(leaves).toEqual(['b:evicted']);
    expect((await cache.getMetadata('a'))?.sizeBytes).toBe(1);
    clock.advance(60_000);
    expect(await cache.get('a')).toBeUndefined();
    expect(leaves).toEqual(['b:evicted', 'a:expired']);
    await cache.close();
    await expect(cache.get('c')).rejects.toSatisfy((e) => isCacheError(e, 'CLOSED'));
  });

  it('rejects bad provider options at creation, naming the cache', () => {
    expect(() => memoryCache({ name: 'bad', providerOptions: { maxSize: 5 } })).toThrow(
      /cache "bad" createCache: maxSize needs sizeCalculation/,
    );
  });

  it('clones values with clone: structured (done by core)', async () => {
    const cache = memoryCache<{ n: number }>({ name: 'cloned', clone: 'structured' });
    const v = { n: 1 };
    await cache.set('k', v);
    v.n = 2;
    expect(await cache.get('k')).toEqual({ n: 1 });
    await cache.close();
  });
});
