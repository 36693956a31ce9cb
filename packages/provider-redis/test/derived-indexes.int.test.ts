import { CacheError, createCache, type DerivedIndexes, isCacheError, useDerivedIndexes } from '@gocache/core';
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

interface Session {
  user: string;
  role?: string;
}

function plan(limits: DerivedIndexes['limits'] = new Map()): DerivedIndexes {
  return {
    names: new Set(['by_user', 'by_role']),
    derive: (_key, value) => {
      const s = value as Session;
      if (s.user === 'boom') throw new CacheError('INVALID_VALUE', 'no user', { cacheName: 'd', op: 'derive' });
      const pairs = ['by_user', s.user];
      if (s.role !== undefined) pairs.unshift('by_role', s.role);
      return pairs;
    },
    limits,
    limitError: (key, indexName, indexKey) =>
      new CacheError('ACCESS_DENIED', `limit of ${indexName}/${indexKey}`, { cacheName: 'd', op: 'set', key }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('derived indexes (single server: atomic with each write)', () => {
  it('every write replaces the managed memberships and leaves other indexes alone', async () => {
    const c = createCache<Session>(redisProvider({ client: io, prefix }), { name: 'derived' });
    expect(useDerivedIndexes(c as never, plan())).toBe(true);
    await c.set('s1', { user: 'ada', role: 'admin' });
    await c.addIndex('manual', 's1', 'x');
    expect(await c.getByIndex('by_user', 'ada')).toEqual(['s1']);
    expect(await c.getByIndex('by_role', 'admin')).toEqual(['s1']);
    await c.set('s1', { user: 'grace' });
    expect(await c.getByIndex('by_user', 'ada')).toEqual([]);
    expect(await c.getByIndex('by_role', 'admin')).toEqual([]);
    expect(await c.getByIndex('by_user', 'grace')).toEqual(['s1']);
    expect(await c.getByIndex('manual', 'x')).toEqual(['s1']);
    await c.update('s1', (s) => ({ ...s!, user: 'linus' }));
    expect(await c.getByIndex('by_user', 'linus')).toEqual(['s1']);
    expect(await c.setIfNotExists('s2', { user: 'linus' })).toBe(true);
    await c.setMany([['s3', { user: 'linus', role: 'ops' }]]);
    expect((await c.getByIndex('by_user', 'linus')).sort()).toEqual(['s1', 's2', 's3']);
    await expect(c.set('s4', { user: 'boom' })).rejects.toSatisfy((e) => isCacheError(e, 'INVALID_VALUE'));
    expect(await c.has('s4')).toBe(false);
    await c.close();
  });

  it('reject limits refuse the write and write nothing', async () => {
    const c = createCache<Session>(redisProvider({ client: io, prefix }), { name: 'derived-reject' });
    useDerivedIndexes(c as never, plan(new Map([['by_user', { max: 2, onExceed: 'reject' as const }]])));
    await c.set('a', { user: 'u' });
    await c.set('b', { user: 'u' });
    await expect(c.set('c', { user: 'u' })).rejects.toSatisfy((e) => isCacheError(e, 'ACCESS_DENIED'));
    expect(await c.has('c')).toBe(false);
    await c.set('a', { user: 'u', role: 'r' }); // an existing member may be rewritten
    expect((await c.getByIndex('by_user', 'u')).sort()).toEqual(['a', 'b']);
    await c.close();
  });

  it('evict-oldest deletes the oldest other members, by creation time, and reports them', async () => {
    const evicted: string[] = [];
    const c = createCache<Session>(redisProvider({ client: io, prefix }), {
      name: 'derived-evict',
      hooks: { onEvict: ({ key }) => void evicted.push(key) },
    });
    useDerivedIndexes(c as never, plan(new Map([['by_user', { max: 2, onExceed: 'evict-oldest' as const }]])));
    for (const k of ['s1', 's2', 's3', 's4']) {
      await c.set(k, { user: 'u' });
      await sleep(3); // distinct creation times
    }
    expect((await c.getByIndex('by_user', 'u')).sort()).toEqual(['s3', 's4']);
    expect(await c.has('s1')).toBe(false);
    expect(await c.has('s2')).toBe(false);
    expect(evicted).toEqual(['s1', 's2']);
    const layout = new KeyLayout(prefix, 'derived-evict');
    expect(await io.zcard(layout.index('by_user', 'u'))).toBe(2);
    await c.close();
  });

  it('is not offered on a cluster, where an entry and its index sets live in different slots', async () => {
    const c = createCache<Session>(
      providerOverCommands({ ...ioredisCommands(io), isCluster: true }, { client: io, prefix }),
      { name: 'derived-cluster' },
    );
    expect(useDerivedIndexes(c as never, plan())).toBe(false);
    await c.close();
  });
});
