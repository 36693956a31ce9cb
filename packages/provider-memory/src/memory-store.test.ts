import { compileGlob, type EntryLeaveEvent } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { describe, expect, it } from 'vitest';
import { type FakeClock, fakeClock, makeStore } from '../test/fixtures.js';
import { memoryProvider } from './memory-provider.js';
import type { MemoryStore } from './memory-store.js';

const DAY = 86_400_000;

describe('MemoryStore basics', () => {
  it('stores by reference and round-trips falsy values', () => {
    const { store } = makeStore<unknown>();
    const obj = { a: 1 };
    store.set('o', obj, Infinity);
    expect(store.get('o')).toBe(obj);
    for (const [k, v] of [
      ['null', null],
      ['zero', 0],
      ['empty', ''],
      ['false', false],
    ] as const) {
      store.set(k, v, Infinity);
      expect(store.get(k)).toBe(v);
      expect(store.has(k)).toBe(true);
    }
    expect(store.get('missing')).toBeUndefined();
  });

  it('supports batch and conditional writes', () => {
    const { store } = makeStore<number>();
    store.setMany(
      [
        ['a', 1],
        ['b', 2],
      ],
      Infinity,
    );
    expect(store.getMany(['a', 'x', 'b'])).toEqual([1, undefined, 2]);
    expect(store.setIfNotExists('a', 9, Infinity)).toBe(false);
    expect(store.setIfNotExists('c', 3, Infinity)).toBe(true);
    expect(store.setIfExists('d', 4, Infinity)).toBe(false);
    expect(store.setIfExists('c', 30, Infinity)).toBe(true);
    expect(store.get('c')).toBe(30);
    expect(store.has('d')).toBe(false);
    expect(store.deleteMany(['a', 'b', 'nope'])).toBe(2);
    expect(store.delete('a')).toBe(false);
    expect(store.size()).toBe(1);
  });

  it('versions entries for compare-and-set', () => {
    const { store } = makeStore<number>();
    expect(store.compareAndSet('k', null, 1, Infinity)).toBe(true);
    expect(store.compareAndSet('k', null, 2, Infinity)).toBe(false);
    const v1 = store.getVersioned('k')!;
    expect(v1.value).toBe(1);
    expect(store.compareAndSet('k', v1.version, 2, Infinity)).toBe(true);
    expect(store.compareAndSet('k', v1.version, 3, Infinity)).toBe(false);
    expect(store.get('k')).toBe(2);
    // A slot reused by a re-created entry never repeats an old version.
    const v2 = store.getVersioned('k')!.version;
    store.delete('k');
    store.set('k', 5, Infinity);
    expect(store.compareAndSet('k', v2, 6, Infinity)).toBe(false);
    expect(store.getVersioned('missing')).toBeUndefined();
    expect(store.compareAndSet('missing', 1, 6, Infinity)).toBe(false);
  });

  it('reuses released slots instead of growing under churn', () => {
    const { store } = makeStore<number>({ observe: false });
    for (let i = 0; i < 10_000; i++) {
      store.set(`k${i}`, i, Infinity);
      store.delete(`k${i}`);
    }
    expect(store.stats()).toMatchObject({ entries: 0, highWater: 1, capacity: 16 });
  });
});

describe('TTL', () => {
  it('is exact to the millisecond on every read path', () => {
    const { store, clock, reasons } = makeStore<number>();
    const readers: [string, (k: string) => unknown][] = [
      ['get', (k) => store.get(k)],
      ['has', (k) => store.has(k) || undefined],
      ['getMany', (k) => store.getMany([k])[0]],
      ['getVersioned', (k) => store.getVersioned(k)],
      ['getMetadata', (k) => store.getMetadata(k)],
      ['getEntry', (k) => store.getEntry(k)],
      ['scan', (k) => [...store.scan(compileGlob('*'))].find((x) => x === k)],
      ['scan-literal', (k) => [...store.scan(compileGlob(k))][0]],
      ['scan-prefix', (k) => [...store.scan(compileGlob(`${k.slice(0, 2)}*`))].find((x) => x === k)],
      ['getByIndex', (k) => store.getByIndex('ix', k)[0]],
    ];
    for (const [name, read] of readers) {
      const key = `k-${name}`;
      store.set(key, 1, 100);
      store.addIndex('ix', key, key);
      clock.advance(99);
      expect(read(key), `${name} before expiry`).toBeDefined();
      clock.advance(1);
      expect(read(key), `${name} at expiry`).toBeUndefined();
      expect(reasons().at(-1), name).toBe(`${key}:expired`);
      expect(store.stats()).toMatchObject({ entries: 0, expiring: 0, indexSets: 0 });
    }
  });

  it('keeps long TTLs (30 days, beyond a timer range) and Infinity exactly', () => {
    const { store, clock } = makeStore<string>();
    store.set('month', 'm', 30 * DAY);
    store.set('forever', 'f', Infinity);
    expect(store.getMetadata('month')!.expiresAt).toBe(clock.now() + 30 * DAY);
    expect(store.getMetadata('forever')!.expiresAt).toBeNull();
    clock.advance(30 * DAY - 1);
    expect(store.get('month')).toBe('m');
    clock.advance(1);
    expect(store.get('month')).toBeUndefined();
    clock.advance(10_000 * DAY);
    expect(store.get('forever')).toBe('f');
  });

  it('treats expired entries as absent for conditional writes and deletes', () => {
    const { store, clock, reasons } = makeStore<number>();
    store.set('a', 1, 10);
    store.set('b', 1, 10);
    store.set('c', 1, 10);
    clock.advance(10);
    expect(store.setIfExists('a', 2, Infinity)).toBe(false);
    expect(store.setIfNotExists('b', 2, Infinity)).toBe(true);
    expect(store.get('b')).toBe(2);
    expect(store.delete('c')).toBe(false);
    expect(reasons()).toEqual(['a:expired', 'b:expired', 'c:expired']);
  });

  it('resets or removes expiry on overwrite', () => {
    const { store, clock } = makeStore<number>();
    store.set('k', 1, 100);
    clock.advance(50);
    store.set('k', 2, 100);
    clock.advance(99);
    expect(store.get('k')).toBe(2);
    store.set('k', 3, Infinity);
    expect(store.stats().expiring).toBe(0);
    clock.advance(DAY);
    expect(store.get('k')).toBe(3);
  });

  it('counts only live entries in size()', () => {
    const { store, clock } = makeStore<number>();
    store.set('a', 1, 10);
    store.set('b', 1, Infinity);
    clock.advance(10);
    expect(store.size()).toBe(1);
  });
});

describe('metadata', () => {
  it('reports created, updated, expires, last access, hits, size and indexes', () => {
    const { store, clock } = makeStore<string>({}, { sizeCalculation: (v) => (v as string).length });
    const t0 = clock.now();
    store.set('k', 'abc', 1000);
    clock.advance(5);
    store.get('k');
    clock.advance(5);
    store.get('k');
    store.getMany(['k']);
    clock.advance(5);
    store.set('k', 'abcdef', 1000);
    store.addIndex('by', 'k', 'x');
    expect(store.getMetadata('k')).toEqual({
      key: 'k',
      createdAt: t0,
      updatedAt: t0 + 15,
      expiresAt: t0 + 1015,
      lastAccessedAt: t0 + 10,
      hits: 3,
      sizeBytes: 6,
      indexes: [{ indexName: 'by', indexKey: 'x' }],
    });
    // Reading metadata is not an access.
    expect(store.getMetadata('k')!.hits).toBe(3);
    expect(store.getMetadata('nope')).toBeUndefined();
  });
});

describe('getEntry', () => {
  it('returns the value with its expiry in one read, counted as a hit like get', () => {
    const { store, clock } = makeStore<{ n: number }>();
    const obj = { n: 1 };
    store.set('k', obj, 1000);
    store.set('forever', { n: 2 }, Infinity);
    clock.advance(5);
    const entry = store.getEntry('k')!;
    expect(entry.value).toBe(obj);
    expect(entry.expiresAt).toBe(store.getMetadata('k')!.expiresAt);
    expect(entry.expiresAt).toBe(clock.now() - 5 + 1000);
    expect(store.getEntry('forever')).toEqual({ value: { n: 2 }, expiresAt: null });
    expect(store.getMetadata('k')).toMatchObject({ hits: 1, lastAccessedAt: clock.now() });
    expect(store.getEntry('nope')).toBeUndefined();
    store.delete('forever');
    expect(store.getEntry('forever')).toBeUndefined();
  });
});

describe('leave events', () => {
  it('reports each reason, and replaced only when the value changes', () => {
    const { store, clock, events, reasons } = makeStore<object>({ maxEntries: 2 });
    const a = { a: 1 };
    store.set('a', a, Infinity);
    store.set('a', a, Infinity);
    expect(events).toEqual([]);
    store.set('a', { a: 2 }, Infinity);
    expect(events[0]).toEqual({ key: 'a', reason: 'replaced', value: a });
    store.set('b', {}, 10);
    store.set('c', {}, Infinity);
    store.delete('c');
    clock.advance(10);
    store.get('b');
    store.set('d', {}, Infinity);
    store.clear();
    store.set('e', {}, Infinity);
    store.close();
    store.close();
    expect(reasons()).toEqual(['a:replaced', 'a:evicted', 'c:deleted', 'b:expired', 'd:cleared', 'e:closed']);
  });

  it('reports undiscovered expired entries as expired on clear', () => {
    const { store, clock, reasons } = makeStore<number>();
    store.set('old', 1, 5);
    store.set('live', 1, Infinity);
    clock.advance(5);
    store.clear();
    expect(reasons().sort()).toEqual(['live:cleared', 'old:expired']);
  });

  it('costs nothing and fails nothing when nobody observes', () => {
    const { store, clock } = makeStore<number>({ observe: false, maxEntries: 1 });
    store.set('a', 1, 5);
    store.set('b', 2, 5);
    clock.advance(5);
    expect(store.get('b')).toBeUndefined();
    store.clear();
    store.close();
    expect(store.stats().entries).toBe(0);
  });

  it('keeps the store consistent when a listener throws', () => {
    const s = makeStore<number>({ maxEntries: 1 });
    s.store.set('a', 1, Infinity);
    s.events.push = () => {
      throw new Error('listener bug');
    };
    s.store.set('b', 2, Infinity);
    expect(s.store.get('a')).toBeUndefined();
    expect(s.store.get('b')).toBe(2);
  });
});

describe('bounds', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const { store, reasons } = makeStore<number>({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) store.set(k, 1, Infinity);
    store.get('a');
    store.set('d', 1, Infinity);
    store.set('c', 2, Infinity);
    store.set('e', 1, Infinity);
    expect(reasons()).toEqual(['b:evicted', 'c:replaced', 'a:evicted']);
    expect([...store.scan(compileGlob('*'))].sort()).toEqual(['c', 'd', 'e']);
    expect(store.stats()).toMatchObject({ entries: 3, policy: 'lru' });
    expect(store.stats().capacity).toBeLessThanOrEqual(4);
  });

  it('prefers reporting an expired victim as expired', () => {
    const { store, clock, reasons } = makeStore<number>({ maxEntries: 1 });
    store.set('a', 1, 5);
    clock.advance(5);
    store.set('b', 1, Infinity);
    expect(reasons()).toEqual(['a:expired']);
  });

  it('evicts by maxSize with sizeCalculation, and refuses an entry larger than maxSize', () => {
    const { store, reasons } = makeStore<string>(
      { providerOptions: { maxSize: 10, sizeCalculation: (v: string) => v.length } },
      undefined,
    );
    store.set('a', 'xxxx', Infinity);
    store.set('b', 'xxxx', Infinity);
    expect(store.stats().totalSize).toBe(8);
    store.set('c', 'xxxx', Infinity);
    expect(reasons()).toEqual(['a:evicted']);
    store.set('b', 'x', Infinity);
    expect(store.stats().totalSize).toBe(5);
    store.set('c', 'x'.repeat(11), Infinity);
    expect(reasons().slice(1)).toEqual(['b:replaced', 'c:replaced', 'c:evicted']);
    expect(store.get('c')).toBeUndefined();
    expect(store.get('b')).toBe('x');
    expect(store.stats().totalSize).toBe(1);
  });

  it('rejects a sizeCalculation result that is not a positive number, without writing', () => {
    const { store } = makeStore<number>({ providerOptions: { sizeCalculation: () => -1 } });
    expect(() => store.set('k', 1, Infinity)).toThrow(/sizeCalculation returned -1/);
    expect(store.has('k')).toBe(false);
  });

  it('refuses a policy that names a dead slot', () => {
    const { store } = makeStore<number>({
      maxEntries: 1,
      providerOptions: {
        policy: () => ({
          name: 'broken',
          resize() {},
          insert() {},
          access() {},
          update() {},
          remove() {},
          victim: () => 99,
        }),
      },
    });
    store.set('a', 1, Infinity);
    expect(() => store.set('b', 1, Infinity)).toThrow(/victim\(\) must return a live slot/);
  });
});

describe('patterns', () => {
  it('matches literals, prefixes and globs, and deletes by pattern', () => {
    const { store } = makeStore<number>();
    for (const k of ['user:1', 'user:2', 'user:10', 'order:1', 'a*b', 'a?b']) store.set(k, 1, Infinity);
    const keys = (p: string) => [...store.scan(compileGlob(p))].sort();
    expect(keys('user:?')).toEqual(['user:1', 'user:2']);
    expect(keys('user:*')).toEqual(['user:1', 'user:10', 'user:2']);
    expect(keys('a\\*b')).toEqual(['a*b']);
    expect(keys('a[*?]b')).toEqual(['a*b', 'a?b']);
    expect(keys('*:1')).toEqual(['order:1', 'user:1']);
    expect(keys('nope')).toEqual([]);
    expect(store.deleteByPattern(compileGlob('user:*'))).toBe(3);
    expect(keys('*')).toEqual(['a*b', 'a?b', 'order:1']);
    expect(store.deleteByPattern(compileGlob('*'))).toBe(3);
    expect(store.size()).toBe(0);
  });
});

describe('indexes', () => {
  it('adds, lists, removes and deletes by index', () => {
    const { store, reasons } = makeStore<number>();
    store.set('s1', 1, Infinity);
    store.set('s2', 1, Infinity);
    expect(store.addIndex('by_user', 's1', 'u1')).toBe(true);
    expect(store.addIndex('by_user', 's2', 'u1')).toBe(true);
    expect(store.addIndex('by_user', 's2', 'u1')).toBe(true);
    expect(store.addIndex('by_user', 'missing', 'u1')).toBe(false);
    expect(store.getByIndex('by_user', 'u1').sort()).toEqual(['s1', 's2']);
    store.removeIndex('by_user', 's1', 'u1');
    expect(store.getByIndex('by_user', 'u1')).toEqual(['s2']);
    expect(store.getMetadata('s1')!.indexes).toEqual([]);
    expect(store.deleteByIndex('by_user', 'u1')).toBe(1);
    expect(store.deleteByIndex('by_user', 'u1')).toBe(0);
    expect(store.getByIndex('nope', 'x')).toEqual([]);
    expect(reasons()).toEqual(['s2:deleted']);
    expect(store.stats()).toMatchObject({ indexSets: 0, indexMemberships: 0, slotsWithMemberships: 0 });
  });

  it('keeps index storage bounded under churn by delete, expiry, eviction, overwrite and clear', () => {
    const { store, clock } = makeStore<number>({ maxEntries: 100, observe: false });
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) {
        const key = `k${round}:${i}`;
        store.set(key, i, i % 3 === 0 ? 5 : Infinity);
        store.addIndex('by_mod', key, `m${i % 7}`);
        store.addIndex('by_round', key, `r${round}`);
        if (i % 5 === 0) store.set(key, i + 1, Infinity);
        if (i % 4 === 0) store.delete(key);
      }
      clock.advance(5);
      const st = store.stats();
      expect(st.indexMemberships).toBeLessThanOrEqual(2 * st.entries);
      expect(st.slotsWithMemberships).toBeLessThanOrEqual(st.entries);
      expect(st.capacity).toBeLessThanOrEqual(101);
      if (round % 10 === 9) store.clear();
    }
    // Everything left is found, and nothing dead is.
    for (let m = 0; m < 7; m++) {
      for (const key of store.getByIndex('by_mod', `m${m}`)) expect(store.has(key)).toBe(true);
    }
    for (const key of [...store.scan(compileGlob('*'))]) store.delete(key);
    expect(store.stats()).toMatchObject({
      entries: 0,
      indexNames: 0,
      indexSets: 0,
      indexMemberships: 0,
      slotsWithMemberships: 0,
    });
  });

  it('keeps memberships across an overwrite', () => {
    const { store } = makeStore<number>();
    store.set('k', 1, Infinity);
    store.addIndex('ix', 'k', 'a');
    store.set('k', 2, Infinity);
    expect(store.getByIndex('ix', 'a')).toEqual(['k']);
  });
});

describe('clear and close', () => {
  it('clear empties only this store and returns memory to its initial size', () => {
    const a = makeStore<number>({ name: 'a' });
    const b = makeStore<number>({ name: 'b' });
    for (let i = 0; i < 1000; i++) a.store.set(`k${i}`, i, 50);
    b.store.set('k1', 1, Infinity);
    a.store.clear();
    expect(a.store.stats()).toMatchObject({ entries: 0, capacity: 16, expiring: 0 });
    expect(b.store.get('k1')).toBe(1);
    a.store.set('k1', 2, Infinity);
    expect(a.store.get('k1')).toBe(2);
  });
});

describe('timestamps', () => {
  it('stay exact when the clock runs past 49.7 days, steps back or returns fractions', () => {
    const { store, clock } = makeStore<number>();
    const t0 = clock.now();
    store.set('a', 1, Infinity);
    clock.advance(60 * DAY);
    store.set('b', 1, Infinity);
    clock.set(t0 - 1000);
    store.set('c', 1, Infinity);
    clock.set(t0 + 0.5);
    store.get('a');
    expect(store.getMetadata('a')).toMatchObject({ createdAt: t0, lastAccessedAt: t0 + 0.5 });
    expect(store.getMetadata('b')!.createdAt).toBe(t0 + 60 * DAY);
    expect(store.getMetadata('c')!.createdAt).toBe(t0 - 1000);
  });

  it('records a read that is the first stamp not to fit', () => {
    const { store, clock } = makeStore<number>();
    store.set('a', 1, Infinity);
    clock.advance(50 * DAY);
    store.get('a');
    expect(store.getMetadata('a')).toMatchObject({ lastAccessedAt: clock.now(), hits: 1 });
  });
});

describe('scan across changes', () => {
  it('ends when the store is cleared mid-scan and never yields a dead key', () => {
    const { store } = makeStore<number>();
    for (let i = 0; i < 10; i++) store.set(`k${i}`, i, Infinity);
    const it = store.scan(compileGlob('k*'))[Symbol.iterator]();
    expect(it.next().value).toBe('k0');
    store.delete('k1');
    expect(it.next().value).toBe('k2');
    store.clear();
    store.set('k5', 5, Infinity);
    const rest = [...{ [Symbol.iterator]: () => it }];
    for (const k of rest) expect(store.has(k)).toBe(true);
  });
});

describe('access clock with the real clock', () => {
  it('stamps hits from a Date.now cached for about a millisecond, and stops its timer on close', async () => {
    const { store } = makeStore<number>({ now: Date.now });
    store.set('k', 1, Infinity);
    await new Promise((r) => setTimeout(r, 5));
    const before = Date.now();
    store.get('k');
    const after = Date.now();
    const at = store.getMetadata('k')!.lastAccessedAt!;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
    await new Promise((r) => setTimeout(r, 5));
    store.get('k');
    expect(store.getMetadata('k')!.lastAccessedAt!).toBeGreaterThan(at);
    // A write between hits moves the cached clock forward: a read is never stamped before it.
    await new Promise((r) => setTimeout(r, 5));
    store.get('k');
    store.set('k', 2, Infinity);
    store.get('k');
    const m = store.getMetadata('k')!;
    expect(m.lastAccessedAt!).toBeGreaterThanOrEqual(m.updatedAt);
    store.close();
  });
});

describe('every policy under random churn', () => {
  for (const policy of ['lru', 'lfu', 'tinylfu'] as const) {
    it(`${policy}: bounds hold and bookkeeping stays consistent`, () => {
      const { store, clock } = makeStore<string>({
        maxEntries: 50,
        observe: false,
        providerOptions: { policy, maxSize: 400, sizeCalculation: (v: string) => v.length },
      });
      let seed = 12345;
      const rnd = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      for (let i = 0; i < 20_000; i++) {
        const key = `k${rnd(200)}`;
        const op = rnd(10);
        if (op < 5) store.set(key, 'x'.repeat(1 + rnd(20)), rnd(3) === 0 ? 1 + rnd(50) : Infinity);
        else if (op < 8) store.get(key);
        else if (op < 9) store.delete(key);
        else clock.advance(rnd(20));
        const st = store.stats();
        expect(st.entries).toBeLessThanOrEqual(50);
        expect(st.totalSize).toBeLessThanOrEqual(400);
      }
      let sum = 0;
      for (const key of store.scan(compileGlob('*'))) sum += store.getMetadata(key)!.sizeBytes!;
      expect(store.stats().totalSize).toBe(sum);
      expect(store.stats().capacity).toBeLessThanOrEqual(51);
    });
  }

  it('tinylfu with only maxSize (no entry bound)', () => {
    const { store } = makeStore<string>({
      observe: false,
      providerOptions: { policy: 'tinylfu', maxSize: 100, sizeCalculation: (v: string) => v.length },
    });
    for (let i = 0; i < 5_000; i++) store.set(`k${i % 300}`, 'xxxx', Infinity);
    expect(store.stats().totalSize).toBeLessThanOrEqual(100);
    expect(store.stats().entries).toBe(25);
  });
});

/** A store whose leave listener is the test's own (it may call back into the store). */
function storeWithListener<T>(clock: FakeClock, onLeave: (e: EntryLeaveEvent) => void): MemoryStore<T> {
  return memoryProvider().createStore<T>(
    storeConfig({
      name: 'reenter',
      now: clock.now,
      onLeave,
    }),
  ) as MemoryStore<T>;
}

describe('leave listeners that re-enter the store', () => {
  it('getByIndex survives a listener that deletes another expired member while it purges', () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const store: MemoryStore<string> = storeWithListener(clock, (e) => {
      seen.push(`${e.key}:${e.reason}`);
      // A hook that tidies up a related key, synchronously, in the middle of the purge.
      if (e.key === 'a') store.delete('b');
    });
    store.set('a', 'A', 100);
    store.set('b', 'B', 100);
    store.set('live', 'L', 10_000);
    for (const k of ['a', 'b', 'live']) store.addIndex('i', k, 'x');
    clock.advance(200);
    expect(store.getByIndex('i', 'x')).toEqual(['live']);
    expect(seen).toEqual(['a:expired', 'b:expired']);
    // No slot was freed twice: two new entries get two slots and keep their own values.
    store.set('c', 'C', 10_000);
    store.set('d', 'D', 10_000);
    expect([store.get('c'), store.get('d'), store.get('live')]).toEqual(['C', 'D', 'L']);
    expect(store.getByIndex('i', 'x')).toEqual(['live']);
  });
});

describe('a leave listener sees only complete writes', () => {
  it("a 'replaced' listener that deletes the key it replaced leaves no index member behind", () => {
    const store: MemoryStore<{ owner: string }> = storeWithListener(fakeClock(), (e) => {
      // e.g. a hook that revokes a session whose owner changed, synchronously.
      if (e.reason === 'replaced') store.delete(e.key);
    });
    store.deriveIndexes({
      names: new Set(['by_owner']),
      derive: (_k, v) => ['by_owner', (v as { owner: string }).owner],
      limits: new Map(),
      overLimit: () => [],
    });
    store.set('s', { owner: 'ann' }, 10_000);
    store.set('s', { owner: 'bob' }, 10_000);
    expect(store.get('s')).toBeUndefined();
    expect(store.getByIndex('by_owner', 'ann')).toEqual([]);
    expect(store.getByIndex('by_owner', 'bob')).toEqual([]);
    // The freed slot is reused cleanly by the next entry, with no membership it did not earn.
    store.set('t', { owner: 'cat' }, 10_000);
    expect(store.getByIndex('by_owner', 'bob')).toEqual([]);
    expect(store.getByIndex('by_owner', 'cat')).toEqual(['t']);
  });
});
