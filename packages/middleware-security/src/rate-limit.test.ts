import { createCache, createInProcessMetrics, isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { rateLimit } from './rate-limit.js';

describe('rateLimit', () => {
  it('allows a burst of capacity, then refuses with RATE_LIMITED and writes nothing', async () => {
    let now = 0;
    const metrics = createInProcessMetrics();
    const cache = createCache<number>(memoryProvider(), {
      name: 'rl',
      metrics,
      middleware: [rateLimit({ capacity: 3, refillPerSecond: 2, now: () => now })],
    });
    for (let i = 0; i < 3; i++) await cache.set(`user:${i}`, i);
    const err = await cache.set('user:9', 9).catch((e: unknown) => e);
    expect(isCacheError(err, 'RATE_LIMITED')).toBe(true);
    expect((err as Error).message).toMatch(/retry in 500 ms/);
    // Another prefix has its own bucket; the refused write left nothing behind.
    expect(await cache.get('other:9')).toBeUndefined();
    now += 500; // one token back
    expect(await cache.get('user:1')).toBe(1);
    expect(await cache.has('user:9').catch((e: unknown) => e)).toMatchObject({ code: 'RATE_LIMITED' });
    now += 500;
    expect(await cache.get('user:9')).toBeUndefined(); // the refused set never happened
    expect(metrics.snapshot().securityEvents.rate_limited).toBe(2);
    await cache.close();
  });

  it('keys buckets by a call attribute; calls without it share one bucket', async () => {
    const cache = createCache<number>(memoryProvider(), {
      name: 'rl-attr',
      middleware: [rateLimit({ capacity: 1, refillPerSecond: 0, by: { attribute: 'caller' }, now: () => 0 })],
    });
    await cache.get('a', { attributes: { caller: 'alice' } });
    await cache.get('a', { attributes: { caller: 'bob' } });
    await expect(cache.get('a', { attributes: { caller: 'alice' } })).rejects.toThrow(/never/);
    await cache.get('a');
    await expect(cache.get('b')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await cache.close();
  });

  it('charges each distinct prefix of a batch once and refunds when one bucket refuses', async () => {
    const cache = createCache<number>(memoryProvider(), {
      name: 'rl-batch',
      middleware: [rateLimit({ capacity: 1, refillPerSecond: 0, now: () => 0 })],
    });
    await cache.get('b:1');
    // a:* has a token, b:* has none: refused, and a:* keeps its token.
    await expect(cache.getMany(['a:1', 'a:2', 'b:2'])).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await cache.getMany(['a:1', 'a:2']);
    await expect(cache.get('a:3')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await cache.close();
  });

  it('accepts a bucket function and caps the number of buckets', async () => {
    const seen: string[] = [];
    const cache = createCache<number>(memoryProvider(), {
      name: 'rl-fn',
      middleware: [
        rateLimit({
          capacity: 1,
          refillPerSecond: 0,
          maxBuckets: 2,
          by: (ctx) => {
            seen.push(ctx.op);
            return ctx.op;
          },
          now: () => 0,
        }),
      ],
    });
    await cache.get('x');
    await cache.has('x');
    await cache.getMetadata('x'); // third bucket: the least recently used (get) is dropped
    await cache.get('x'); // so get starts full again (and has, now least recently used, is dropped)
    await expect(cache.getMetadata('x')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(seen).toEqual(['get', 'has', 'getMetadata', 'get', 'getMetadata']);
    await cache.close();
  });

  it('rejects bad options', () => {
    for (const bad of [
      { capacity: 0, refillPerSecond: 1 },
      { capacity: 1, refillPerSecond: -1 },
      { capacity: 1, refillPerSecond: 1, by: 'nope' },
      { capacity: 1, refillPerSecond: 1, maxBuckets: 0 },
    ]) {
      expect(() => rateLimit(bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
