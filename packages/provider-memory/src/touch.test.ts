import { describe, expect, it } from 'vitest';
import { makeStore } from '../test/fixtures.js';

describe('touch', () => {
  it('gives a live entry a new expiry and leaves value, updatedAt, version and hits alone', () => {
    const { store, clock } = makeStore<{ v: number }>();
    const value = { v: 1 };
    store.set('s', value, 100);
    store.get('s');
    const before = store.getMetadata('s')!;
    const version = store.getVersioned('s')!.version;
    clock.advance(90);
    expect(store.touch('s', 100)).toBe(true);
    const after = store.getMetadata('s')!;
    expect(after.expiresAt).toBe(before.createdAt + 190);
    expect(after.updatedAt).toBe(before.updatedAt);
    // getVersioned is not a hit (SPI), and touch is not a read.
    expect(after.hits).toBe(before.hits);
    expect(store.getVersioned('s')!.version).toBe(version);
    clock.advance(99);
    expect(store.get('s')).toBe(value);
    clock.advance(1);
    expect(store.get('s')).toBeUndefined();
  });

  it('false on a miss or an expired entry, creating nothing; Infinity removes the expiry', () => {
    const { store, clock, reasons } = makeStore<number>();
    expect(store.touch('absent', 100)).toBe(false);
    expect(store.stats().entries).toBe(0);
    store.set('e', 1, 10);
    clock.advance(10);
    expect(store.touch('e', 100)).toBe(false);
    expect(reasons()).toEqual(['e:expired']);
    store.set('k', 1, 10);
    expect(store.touch('k', Infinity)).toBe(true);
    expect(store.stats().expiring).toBe(0);
    clock.advance(1_000_000);
    expect(store.getMetadata('k')?.expiresAt).toBeNull();
    expect(store.touch('k', 5)).toBe(true);
    expect(store.stats().expiring).toBe(1);
  });

  it('index memberships follow the new expiry', () => {
    const { store, clock } = makeStore<number>();
    store.set('a', 1, 10);
    store.set('b', 2, 10);
    store.addIndex('byUser', 'a', 'u1');
    store.addIndex('byUser', 'b', 'u1');
    store.touch('a', 1_000);
    clock.advance(10);
    expect(store.getByIndex('byUser', 'u1')).toEqual(['a']);
    expect(store.indexFootprint()).toBe(1);
  });
});

describe('indexFootprint', () => {
  it('counts memberships held, dead or alive, and falls to zero as entries leave', () => {
    const { store, clock } = makeStore<number>();
    expect(store.indexFootprint()).toBe(0);
    for (let i = 0; i < 100; i++) {
      store.set(`k${i}`, i, 10);
      store.addIndex('byUser', `k${i}`, `u${i % 3}`);
      store.addIndex('all', `k${i}`, 'x');
    }
    expect(store.indexFootprint()).toBe(200);
    clock.advance(10);
    // Expired but not yet found: still held (this is what the kit's hygiene checks measure).
    expect(store.indexFootprint()).toBe(200);
    expect(store.size()).toBe(0);
    expect(store.indexFootprint()).toBe(0);
  });
});
