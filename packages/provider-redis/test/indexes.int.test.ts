import { type CacheProvider, createCache } from '@gocache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ioredisCommands } from '../src/adapters/ioredis.js';
import { redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { providerOverCommands } from '../src/provider.js';
import { dropPrefix, ioredisClient, testPrefix } from './clients.js';

const io = await ioredisClient();
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const modes: [string, CacheProvider][] = [
  ['atomic (single server)', redisProvider({ client: io, prefix })],
  ['cluster code paths', providerOverCommands({ ...ioredisCommands(io), isCluster: true }, { client: io, prefix })],
];

for (const [mode, provider] of modes) {
  describe(`index storage in Redis, ${mode}`, () => {
    it('expired members are pruned and the set key itself expires: no growth under churn', async () => {
      const name = `churn_${mode.length}`;
      const c = createCache<number>(provider, { name });
      const idx = new KeyLayout(prefix, name).index('by_user', 'u1');
      for (let round = 0; round < 4; round++) {
        // Long enough to index every entry on a loaded machine; short enough to churn.
        await c.setMany(
          Array.from({ length: 200 }, (_, i) => [`r${round}:${i}`, i] as const),
          1000,
        );
        await Promise.all(Array.from({ length: 200 }, (_, i) => c.addIndex('by_user', `r${round}:${i}`, 'u1')));
        await sleep(1100);
      }
      // Every add pruned what had expired before it: only the last round can remain.
      expect(await io.zcard(idx)).toBeLessThanOrEqual(200);
      expect(await c.getByIndex('by_user', 'u1')).toEqual([]);
      expect(await io.zcard(idx)).toBe(0);
      expect(await io.exists(idx)).toBe(0);
      await c.close();
    });

    it('a set whose members all expire vanishes without being touched again', async () => {
      const name = `idle_${mode.length}`;
      const c = createCache<number>(provider, { name });
      const idx = new KeyLayout(prefix, name).index('i', 'x');
      await c.set('a', 1, 50);
      await c.addIndex('i', 'a', 'x');
      expect(await io.pttl(idx)).toBeGreaterThan(0);
      await sleep(120);
      expect(await io.exists(idx)).toBe(0);
      await c.close();
    });

    it('an overwrite moves the membership score to the new expiry', async () => {
      const name = `rescore_${mode.length}`;
      const c = createCache<number>(provider, { name });
      const idx = new KeyLayout(prefix, name).index('i', 'x');
      await c.set('a', 1, 60);
      await c.addIndex('i', 'a', 'x');
      await c.set('a', 2); // now never expires
      expect(await io.zscore(idx, 'a')).toBe('inf');
      expect(await io.pttl(idx)).toBe(-1);
      await sleep(100);
      expect(await c.getByIndex('i', 'x')).toEqual(['a']);
      await c.close();
    });

    it('an overwrite with a longer TTL keeps the set alive as long as the entry', async () => {
      const name = `extend_${mode.length}`;
      const c = createCache<number>(provider, { name });
      const idx = new KeyLayout(prefix, name).index('i', 'x');
      await c.set('a', 1, 150);
      await c.addIndex('i', 'a', 'x');
      await c.set('a', 2, 60_000);
      expect(await io.pttl(idx)).toBeGreaterThanOrEqual((await io.pttl(new KeyLayout(prefix, name).entry('a'))) - 5);
      await sleep(300); // past the first expiry
      expect(await io.exists(idx)).toBe(1);
      expect(await c.getByIndex('i', 'x')).toEqual(['a']);
      await c.close();
    });

    it('an entry that had no expiry and now has one lets its set expire again', async () => {
      const name = `bound_${mode.length}`;
      const c = createCache<number>(provider, { name });
      const idx = new KeyLayout(prefix, name).index('i', 'x');
      await c.set('a', 1);
      await c.addIndex('i', 'a', 'x');
      expect(await io.pttl(idx)).toBe(-1);
      await c.set('a', 2, 80);
      expect(await io.pttl(idx)).toBeGreaterThan(0);
      await sleep(200);
      expect(await io.exists(idx)).toBe(0); // gone without a read or another write touching it
      await c.close();
    });
  });
}

describe('index repair on the cluster code path', () => {
  it('a member whose entry vanished behind the store is dropped on read', async () => {
    const provider = modes[1]![1];
    const c = createCache<number>(provider, { name: 'repair' });
    const layout = new KeyLayout(prefix, 'repair');
    await c.set('a', 1);
    await c.set('b', 2);
    await c.addIndex('i', 'a', 'x');
    await c.addIndex('i', 'b', 'x');
    await io.unlink(layout.entry('a')); // as if a process died between the entry and the index update
    expect(await c.getByIndex('i', 'x')).toEqual(['b']);
    expect(await io.zrange(layout.index('i', 'x'), '0', '-1')).toEqual(['b']);
    await c.close();
  });
});
