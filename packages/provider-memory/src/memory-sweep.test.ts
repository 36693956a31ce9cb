import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../test/fixtures.js';

describe('cleanup amortised on writes', () => {
  it('keeps expired entries bounded in a loop that never yields (no timer ever runs)', () => {
    const { store, clock } = makeStore<number>({ observe: false });
    let maxEntries = 0;
    let maxCapacity = 0;
    for (let i = 0; i < 200_000; i++) {
      // 1 ms passes every 100 writes; TTLs of 1–20 ms: about 1,000 entries are live at a time.
      if (i % 100 === 0) clock.advance(1);
      store.set(`k${i}`, i, 1 + (i % 20));
      maxEntries = Math.max(maxEntries, store.stats().entries);
      maxCapacity = Math.max(maxCapacity, store.stats().capacity);
    }
    expect(maxEntries).toBeLessThan(3_000);
    expect(maxCapacity).toBeLessThanOrEqual(4_096);
    store.close();
  });
});

describe('background cleanup', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('removes expired entries in bounded batches spread over event-loop turns', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    const { store, clock, reasons } = makeStore<number>({ cleanupIntervalMs: 1000 }, { cleanupBatchSize: 10 });
    for (let i = 0; i < 100; i++) store.set(`k${i}`, i, i < 50 ? 500 : Infinity);
    clock.advance(500);
    vi.advanceTimersByTime(999);
    expect(store.stats().entries).toBe(100);
    // The interval fires: one batch of 10 slots, then the pass yields to the event loop.
    vi.advanceTimersByTime(1);
    expect(store.stats()).toMatchObject({ entries: 90, sweeping: true });
    vi.advanceTimersToNextTimer();
    expect(store.stats().entries).toBe(80);
    for (let i = 0; i < 20; i++) vi.advanceTimersToNextTimer();
    expect(store.stats()).toMatchObject({ entries: 50, expiring: 0 });
    expect(reasons().every((r) => r.endsWith(':expired'))).toBe(true);
    expect(reasons()).toHaveLength(50);
    store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does nothing while no entry can expire', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    const { store } = makeStore<number>({ cleanupIntervalMs: 10 }, { cleanupBatchSize: 1 });
    for (let i = 0; i < 10; i++) store.set(`k${i}`, i, Infinity);
    vi.advanceTimersByTime(10);
    expect(store.stats().sweeping).toBe(false);
    store.close();
  });

  it('close stops the interval and an unfinished pass', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    const { store, clock } = makeStore<number>({ cleanupIntervalMs: 10 }, { cleanupBatchSize: 1 });
    for (let i = 0; i < 10; i++) store.set(`k${i}`, i, 5);
    clock.advance(5);
    vi.advanceTimersByTime(10);
    expect(store.stats().sweeping).toBe(true);
    store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never keeps the process alive (timers are unref’d)', async () => {
    // Every timer the store creates is recorded and checked itself: counting the process's active
    // handles would also count other tests' and the runner's own.
    const made: { hasRef(): boolean }[] = [];
    const { setInterval: si, setImmediate: sim } = globalThis;
    const record = <H extends { hasRef(): boolean }>(h: H): H => {
      made.push(h);
      return h;
    };
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms: number) =>
      record(si(fn, ms))) as unknown as typeof setInterval);
    vi.spyOn(globalThis, 'setImmediate').mockImplementation(((fn: () => void) =>
      record(sim(fn))) as unknown as typeof setImmediate);
    const { store, clock } = makeStore<number>({ cleanupIntervalMs: 1 }, { cleanupBatchSize: 1 });
    for (let i = 0; i < 50; i++) store.set(`k${i}`, i, 1);
    clock.advance(1);
    await new Promise((r) => setTimeout(r, 20));
    vi.restoreAllMocks();
    expect(made.length).toBeGreaterThan(1);
    expect(made.filter((h) => h.hasRef())).toEqual([]);
    // The real timers ran the sweep too.
    expect(store.stats().entries).toBeLessThan(50);
    store.close();
  });
});
