import { compileGlob, type EntryLeaveEvent } from '@gocache/core';
import { storeConfig } from '@gocache/core/store-kit';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../test/fixtures.js';
import { memoryProvider } from './memory-provider.js';
import type { MemoryStore } from './memory-store.js';

/**
 * Every leave event is sent after the operation that caused it is complete: the listener takes a
 * snapshot of the keys the test cares about, which must already show the operation's final state.
 */
function observed(opts: { maxEntries?: number } = {}) {
  const clock = fakeClock();
  const seen: { event: string; state: Record<string, unknown> }[] = [];
  let watch: string[] = [];
  const store: MemoryStore<string> = memoryProvider().createStore<string>(
    storeConfig({
      name: 'order',
      now: clock.now,
      maxEntries: opts.maxEntries,
      onLeave: (e: EntryLeaveEvent) => {
        // `has` and `getMetadata` do not count as reads; both would see a half-done write.
        seen.push({
          event: `${e.key}:${e.reason}`,
          state: Object.fromEntries(watch.map((k) => [k, store.getMetadata(k) === undefined ? null : store.has(k)])),
        });
      },
    }),
  ) as MemoryStore<string>;
  return {
    store,
    clock,
    seen,
    watching(keys: string[]) {
      watch = keys;
      seen.length = 0;
    },
  };
}

describe('leave events come after the operation that caused them', () => {
  it('replaced: the listener sees the new value written (set, setMany, compareAndSet, setIfExists)', () => {
    const o = observed();
    o.store.set('a', '1', 1_000);
    o.store.set('b', '1', 1_000);
    const values: (string | undefined)[] = [];
    o.watching([]);
    const peek = () => {
      values.push(o.store.getVersioned('a')?.value, o.store.getVersioned('b')?.value);
    };
    const unsub = o.seen.push.bind(o.seen);
    o.seen.push = (x) => {
      peek();
      return unsub(x);
    };
    o.store.set('a', '2', 1_000);
    o.store.setMany(
      [
        ['a', '3'],
        ['b', '3'],
      ],
      1_000,
    );
    const v = o.store.getVersioned('a')!;
    o.store.compareAndSet('a', v.version, '4', 1_000);
    o.store.setIfExists('b', '5', 1_000);
    expect(o.seen.map((s) => s.event)).toEqual(['a:replaced', 'a:replaced', 'b:replaced', 'a:replaced', 'b:replaced']);
    // [a, b] as each listener saw them: setMany's events both see the whole batch written.
    expect(values).toEqual(['2', '1', '3', '3', '3', '3', '4', '3', '4', '5']);
  });

  it('evicted: the newcomer is in and the bound holds', () => {
    const o = observed({ maxEntries: 2 });
    o.store.set('a', '1', Infinity);
    o.store.set('b', '1', Infinity);
    o.watching(['a', 'b', 'c']);
    o.store.set('c', '1', Infinity);
    expect(o.seen).toEqual([{ event: 'a:evicted', state: { a: null, b: true, c: true } }]);
  });

  it('expired: found by a write, the write is done; found by getByIndex, every expired member is gone', () => {
    const o = observed();
    o.store.set('a', 'old', 10);
    o.clock.advance(10);
    o.watching(['a']);
    o.store.set('a', 'new', 10);
    expect(o.seen).toEqual([{ event: 'a:expired', state: { a: true } }]);
    for (const k of ['x', 'y', 'z']) {
      o.store.set(k, k, k === 'z' ? 1_000 : 20);
      o.store.addIndex('ix', k, 'v');
    }
    o.clock.advance(20);
    o.watching(['x', 'y', 'z']);
    expect(o.store.getByIndex('ix', 'v')).toEqual(['z']);
    expect(o.seen.map((s) => s.state)).toEqual([
      { x: null, y: null, z: true },
      { x: null, y: null, z: true },
    ]);
  });

  it('deleted: every key of deleteMany, deleteByIndex and deleteByPattern is gone before the first event', () => {
    const o = observed();
    const fill = () => {
      for (const k of ['p1', 'p2', 'p3']) {
        o.store.set(k, k, Infinity);
        o.store.addIndex('ix', k, 'v');
      }
    };
    const gone = { p1: null, p2: null, p3: null };
    for (const op of [
      () => o.store.deleteMany(['p1', 'p2', 'p3']),
      () => o.store.deleteByIndex('ix', 'v'),
      () => o.store.deleteByPattern(compileGlob('p*')),
    ]) {
      fill();
      o.watching(['p1', 'p2', 'p3']);
      expect(op()).toBe(3);
      expect(o.seen.map((s) => s.state)).toEqual([gone, gone, gone]);
    }
  });

  it('expired, found by getMany: every key of the batch was read before the first event', () => {
    const o = observed();
    o.store.set('a', 'a', 10);
    o.store.set('b', 'b', 10);
    o.store.set('c', 'c', 1_000);
    o.clock.advance(10);
    o.watching(['a', 'b']);
    expect(o.store.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 'c']);
    expect(o.seen).toEqual([
      { event: 'a:expired', state: { a: null, b: null } },
      { event: 'b:expired', state: { a: null, b: null } },
    ]);
  });

  it('cleared and closed: the store is empty when the first event arrives', () => {
    const o = observed();
    o.store.set('a', 'a', Infinity);
    o.store.set('b', 'b', Infinity);
    o.watching(['a', 'b']);
    o.store.clear();
    o.store.set('c', 'c', Infinity);
    o.store.close();
    expect(o.seen).toEqual([
      { event: 'a:cleared', state: { a: null, b: null } },
      { event: 'b:cleared', state: { a: null, b: null } },
      { event: 'c:closed', state: { a: null, b: null } },
    ]);
  });

  it('a write refused after an expired entry was found still reports the expiry', () => {
    const o = observed();
    o.store.deriveIndexes({
      names: new Set(['n']),
      derive: (_key, value) => {
        if (value === 'refuse') throw new Error('refused');
        return [];
      },
      limits: new Map(),
      overLimit: () => [],
    });
    o.store.set('bad', 'v', 10);
    o.clock.advance(10);
    o.watching(['bad']);
    expect(() => o.store.set('bad', 'refuse', 10)).toThrow('refused');
    expect(o.seen).toEqual([{ event: 'bad:expired', state: { bad: null } }]);
  });
});
