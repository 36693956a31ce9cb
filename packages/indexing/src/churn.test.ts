import { type CacheProvider, createCache, type Store } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { expect, it } from 'vitest';
import { TestClock } from '../test/backends.js';
import { type Entry, kvMapProvider, liveRecords } from '../test/kv-map-provider.js';
import { portableIndexes } from './portable-indexes.js';
import { withIndexes } from './with-indexes.js';

interface Session {
  userId: string;
  roles: string[];
}

const defs = {
  by_user: { pattern: 'session:*', by: (s: Session) => s.userId },
  by_role: { pattern: 'session:*', by: (s: Session) => s.roles },
};

/** Sessions of ever-new users come and go (by delete and by expiry); only 20 are live at a time. */
async function churn(cache: ReturnType<typeof withIndexes<Session, typeof defs>>, clock: TestClock, n: number) {
  for (let i = 0; i < n; i++) {
    const key = `session:${i % 20}`;
    const s = { userId: `user${i}`, roles: i % 3 === 0 ? ['admin'] : ['user', `team${i % 50}`] };
    if (i % 4 === 0) await cache.set(key, s, 50);
    else if (i % 4 === 1) await cache.update(key, () => s);
    else await cache.set(key, s);
    if (i % 5 === 0) await cache.delete(`session:${(i * 7) % 20}`);
    clock.advance(10);
  }
}

it('portable index storage stays bounded as sessions of new users churn', async () => {
  const shared = new Map<string, Map<string, Entry>>();
  const clock = new TestClock();
  const cache = withIndexes(
    createCache<Session>(portableIndexes(kvMapProvider({ shared })), { name: 'churn', clock }),
    defs,
  );
  const sizes: number[] = [];
  for (let round = 0; round < 5; round++) {
    await churn(cache, clock, 1_000);
    sizes.push(liveRecords(shared, 'churn', clock.now()));
  }
  // 20 entries + their hints (≤ 2 users… per entry) + recently emptied hints: bounded, not growing.
  for (const s of sizes) expect(s).toBeLessThan(20 + 20 * 4 + 200);
  expect(Math.max(...sizes.slice(2))).toBeLessThanOrEqual(Math.max(...sizes.slice(0, 2)) * 1.2);
  await cache.clear();
  clock.advance(120_000);
  expect(liveRecords(shared, 'churn', clock.now())).toBe(0);
  await cache.close();
});

it('native memory index storage stays bounded as sessions of new users churn through withIndexes', async () => {
  const mem = memoryProvider();
  const stores: Store<unknown>[] = [];
  const capturing: CacheProvider = {
    ...mem,
    createStore<T>(config: Parameters<CacheProvider['createStore']>[0]) {
      const s = mem.createStore<T>(config);
      stores.push(s as Store<unknown>);
      return s;
    },
  };
  const clock = new TestClock();
  const cache = withIndexes(createCache<Session>(capturing, { name: 'churn', clock }), defs);
  const stats = () => (stores[0] as unknown as { stats(): { indexSets: number; indexMemberships: number } }).stats();
  for (let round = 0; round < 5; round++) {
    await churn(cache, clock, 1_000);
    const live = (await cache.getKeysByPattern('session:*')).length;
    const st = stats();
    // Each live session is in exactly one user set and one or two role sets.
    expect(st.indexMemberships).toBeLessThanOrEqual(live * 3);
    expect(st.indexSets).toBeLessThanOrEqual(live * 3);
  }
  await cache.close();
});
