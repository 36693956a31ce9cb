import { createCache, isCacheError } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { backends } from '../test/backends.js';
import { rebuildIndexes } from './rebuild-indexes.js';
import { verifyIndexes } from './verify-indexes.js';
import { withIndexes } from './with-indexes.js';

interface Session {
  userId: string;
  device?: string;
}

describe.each(backends())('verifyIndexes on $name', (b) => {
  it('reports missing and dangling memberships, repairs them, and is clean afterwards', async () => {
    const inner = b.make<Session>({ name: 'verify' });
    const cache = withIndexes(inner, { by_user: { pattern: 'session:*', by: (s) => s.userId } });
    for (let i = 0; i < 30; i++) await cache.set(`session:${i}`, { userId: `u${i % 3}` });
    await cache.set('other', { userId: 'u0' });
    const clean = await verifyIndexes(cache, { batchSize: 7 });
    expect(clean).toMatchObject({ scanned: 30, missingCount: 0, danglingCount: 0, repaired: 0 });

    // Damage the memberships behind the index layer's back.
    await inner.removeIndex('by_user', 'session:4', 'u1');
    await inner.addIndex('by_user', 'session:5', 'u0');
    const progress: number[] = [];
    const found = await verifyIndexes(cache, { batchSize: 7, onProgress: (p) => progress.push(p.scanned) });
    expect(found.missing).toEqual([{ key: 'session:4', indexName: 'by_user', indexKey: 'u1' }]);
    expect(found.dangling).toEqual([{ key: 'session:5', indexName: 'by_user', indexKey: 'u0' }]);
    expect(progress.at(-1)).toBe(30);
    expect(progress.length).toBe(Math.ceil(30 / 7));
    expect(await cache.keys({ index: 'by_user', key: 'u1' })).not.toContain('session:4');

    const fixed = await verifyIndexes(cache, { repair: true });
    expect(fixed).toMatchObject({ missingCount: 1, danglingCount: 1, repaired: 2 });
    expect(await cache.keys({ index: 'by_user', key: 'u1' })).toContain('session:4');
    expect(await inner.getByIndex('by_user', 'u0')).not.toContain('session:5');
    expect(await verifyIndexes(cache)).toMatchObject({ missingCount: 0, danglingCount: 0 });
    // withIndexes extends the cache itself (core's extendCache): a cache without indexes is refused.
    expect(cache).toBe(inner);
    const plain = b.make<Session>({ name: 'plain' });
    await expect(verifyIndexes(plain as never)).rejects.toThrow(/needs a cache returned by withIndexes/);
    await plain.close();
    await cache.close();
  });
});

describe.each(backends())('rebuildIndexes on $name', (b) => {
  it('backfills a newly declared index from existing values in batches, with progress', async () => {
    const inner = b.make<Session>({ name: 'rebuild' });
    for (let i = 0; i < 95; i++)
      await inner.set(`session:${i}`, { userId: `u${i % 5}`, device: i % 2 ? 'phone' : 'laptop' });
    await inner.set('unrelated', { userId: 'u0' });
    const defs = {
      by_user: { pattern: 'session:*', by: (s: Session) => s.userId },
      by_device: { pattern: 'session:*', by: (s: Session) => s.device },
    };
    const cache = withIndexes(inner, defs);
    expect(await cache.keys({ index: 'by_user', key: 'u0' })).toEqual([]);
    const seen: number[] = [];
    const result = await rebuildIndexes(cache, defs, { batchSize: 10, onProgress: (p) => seen.push(p.scanned) });
    expect(result).toEqual({ scanned: 95, updated: 95, added: 190, removed: 0 });
    expect(seen).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
    expect(await cache.count({ index: 'by_user', key: 'u0' })).toBe(19);
    expect(
      await cache.count({
        all: [
          { index: 'by_user', key: 'u1' },
          { index: 'by_device', key: 'phone' },
        ],
      }),
    ).toBe(10);
    expect(await verifyIndexes(cache)).toMatchObject({ scanned: 95, missingCount: 0, danglingCount: 0 });
    // A second run finds nothing to do.
    expect(await rebuildIndexes(cache, defs)).toEqual({ scanned: 95, updated: 0, added: 0, removed: 0 });
    await expect(rebuildIndexes(cache, defs, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    const aborted = { signal: AbortSignal.abort() };
    await expect(rebuildIndexes(cache, defs, aborted)).rejects.toSatisfy((e) => isCacheError(e, 'ABORTED'));
    await expect(verifyIndexes(cache, aborted)).rejects.toSatisfy((e) => isCacheError(e, 'ABORTED'));
    await cache.close();
  });
});

it('rebuildIndexes works on a plain cache too (e.g. before switching writers to withIndexes)', async () => {
  const plain = createCache<Session>(memoryProvider(), { name: 'plain' });
  await plain.setMany(Array.from({ length: 20 }, (_, i) => [`s:${i}`, { userId: `u${i % 2}` }] as const));
  const r = await rebuildIndexes(plain, { by_user: { pattern: 's:*', by: (s) => s.userId } });
  expect(r.added).toBe(20);
  expect((await plain.getByIndex('by_user', 'u1')).length).toBe(10);
  await plain.close();
});
