import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExpirySweeper, type Sweepable, sweepMap } from './expiry-sweeper.js';

/** A `Map` store with expiry times only, swept through a `Map` iterator as its cursor. */
function mapStore() {
  const entries = new Map<string, { expiresAt: number }>();
  const removed: string[] = [];
  const store: Sweepable<MapIterator<[string, { expiresAt: number }]>> & {
    entries: typeof entries;
    removed: string[];
  } = {
    entries,
    removed,
    hasExpiring: () => entries.size > 0,
    afterSweep: () => {},
    sweep: (cursor, budget, now) =>
      sweepMap(entries, cursor, budget, now, (key) => {
        entries.delete(key);
        removed.push(key);
      }),
  };
  return store;
}

describe('ExpirySweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reclaims on writes alone: a loop that never yields keeps expired entries bounded', () => {
    const clock = { t: 0 };
    const store = mapStore();
    const sweeper = new ExpirySweeper(store, { now: () => clock.t, intervalMs: undefined });
    let maxSize = 0;
    for (let i = 0; i < 100_000; i++) {
      clock.t = i;
      // Every entry lives 100 ticks: about 100 are live at any time.
      store.entries.set(`k${i}`, { expiresAt: i + 100 });
      sweeper.onWrite(store, clock.t);
      maxSize = Math.max(maxSize, store.entries.size);
    }
    // Live ≈ 100; with 4 examined per write, dead entries stay a fraction of that.
    expect(maxSize).toBeLessThan(250);
    expect(store.removed.length).toBeGreaterThan(99_000);
  });

  it('runs background passes in bounded batches over event-loop turns, and stops on stop()', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    const clock = { t: 0 };
    const store = mapStore();
    for (let i = 0; i < 100; i++) store.entries.set(`k${i}`, { expiresAt: i < 50 ? 10 : 1_000 });
    const sweeper = new ExpirySweeper(store, { now: () => clock.t, intervalMs: 100, batchSize: 10 });
    clock.t = 10;
    vi.advanceTimersByTime(100);
    expect(store.removed).toHaveLength(10);
    expect(sweeper.sweeping).toBe(true);
    for (let i = 0; i < 20; i++) vi.advanceTimersToNextTimer();
    expect(store.removed).toHaveLength(50);
    sweeper.stop();
    expect(sweeper.sweeping).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never keeps the process alive: its timers are unref’d', async () => {
    // The sweeper's own timers are recorded and checked: counting the process's active handles
    // would also count other tests' and the runner's own.
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
    const store = mapStore();
    for (let i = 0; i < 10; i++) store.entries.set(`k${i}`, { expiresAt: 0 });
    const sweeper = new ExpirySweeper(store, { now: () => 1, intervalMs: 1, batchSize: 2 });
    // Until the sweep has gone through every entry (several passes of 2), however slow the machine;
    // bounded, so a sweeper that never finishes fails on the length below rather than hanging.
    for (const end = Date.now() + 5_000; store.removed.length < 10 && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 5));
    }
    vi.restoreAllMocks();
    expect(made.length).toBeGreaterThan(1);
    expect(made.filter((h) => h.hasRef())).toEqual([]);
    expect(store.removed).toHaveLength(10);
    sweeper.stop();
  });
});
