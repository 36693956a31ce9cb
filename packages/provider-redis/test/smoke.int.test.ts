import { createCache } from '@gocache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { dropPrefix, ioredisClient, nodeRedisClient, testPrefix } from './clients.js';

const io = await ioredisClient();
const nr = await nodeRedisClient();
const nr3 = await nodeRedisClient(3);
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
  nr.destroy();
  nr3.destroy();
});

for (const [label, client] of [
  ['ioredis', io],
  ['node-redis', nr],
  ['node-redis-resp3', nr3],
] as const) {
  describe(`smoke ${label}`, () => {
    const provider = redisProvider({ client, prefix });
    it('round-trips', async () => {
      const c = createCache<unknown>(provider, { name: `s:${label}` });
      await c.set('a{b}', { d: new Date(5), m: new Map([[1, 2]]) });
      expect(await c.get('a{b}')).toEqual({ d: new Date(5), m: new Map([[1, 2]]) });
      expect(await c.getMany(['a{b}', 'x'])).toEqual(new Map([['a{b}', { d: new Date(5), m: new Map([[1, 2]]) }]]));
      expect(await c.has('a{b}')).toBe(true);
      expect(await c.setIfNotExists('a{b}', 1)).toBe(false);
      expect(await c.setIfExists('a{b}', 2)).toBe(true);
      expect(await c.get('a{b}')).toBe(2);
      expect(await c.update('n', (o) => ((o as number | undefined) ?? 0) + 1)).toBe(1);
      expect(await c.update('n', (o) => ((o as number | undefined) ?? 0) + 1)).toBe(2);
      await c.addIndex('by', 'n', 'x');
      expect(await c.getByIndex('by', 'x')).toEqual(['n']);
      const meta = await c.getMetadata('n');
      expect(meta?.indexes).toEqual([{ indexName: 'by', indexKey: 'x' }]);
      expect((await c.getKeysByPattern('*')).sort()).toEqual(['a{b}', 'n']);
      expect(await c.getOrSet('g', () => 'loaded')).toBe('loaded');
      expect(await c.get('g')).toBe('loaded');
      expect(await c.delete('n')).toBe(true);
      expect(await c.getByIndex('by', 'x')).toEqual([]);
      expect(await c.deleteByPattern('*')).toBe(2);
      await c.set('z', 1, 50);
      await c.clear();
      expect(await c.getKeysByPattern('*')).toEqual([]);
      await c.close();
    });

    it('batches of 5,000 keys round-trip (sent as several pipelines)', async () => {
      const c = createCache<number>(provider, { name: `bulk:${label}` });
      const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
      await c.setMany(keys.map((k, i) => [k, i] as const));
      const got = await c.getMany(keys);
      expect(got.size).toBe(5000);
      expect(got.get('k4999')).toBe(4999);
      expect(await c.deleteMany(keys)).toBe(5000);
      await c.close();
    });

    it('reports deletes and clears to onEvict (Redis expiry is not observed)', async () => {
      const events: string[] = [];
      const c = createCache<number>(provider, {
        name: `evict:${label}`,
        hooks: { onEvict: ({ key, reason }) => void events.push(`${reason}:${key}`) },
      });
      await c.setMany({ a: 1, b: 2, c: 3 });
      await c.delete('a');
      await c.delete('missing');
      await c.clear();
      expect(events.sort()).toEqual(['cleared:b', 'cleared:c', 'deleted:a']);
      await c.close();
    });
  });
}
