import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EchoWatch } from './echo-watch.js';

describe('EchoWatch: one timer watches every publish for its echo', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('reports the subscription lost when the oldest publish is not echoed within the timeout', () => {
    const lost = vi.fn();
    const w = new EchoWatch(1000, lost);
    w.watch(1);
    vi.advanceTimersByTime(999);
    expect(lost).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(w.waiting).toBe(0);
  });

  it('an echo clears every publish up to its number; later ones keep their own deadline', () => {
    const lost = vi.fn();
    const w = new EchoWatch(1000, lost);
    w.watch(1);
    w.watch(2);
    vi.advanceTimersByTime(600);
    w.watch(3); // deadline at 1600
    w.echoed(2);
    expect(w.waiting).toBe(1);
    vi.advanceTimersByTime(500); // 1100: the timer fired at 1000 and found 3 not yet due
    expect(lost).not.toHaveBeenCalled();
    vi.advanceTimersByTime(499); // 1599
    expect(lost).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1); // 1600
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('a steady stream of echoed publishes never reports a loss, and keeps no backlog', () => {
    const lost = vi.fn();
    const w = new EchoWatch(1000, lost);
    for (let i = 1; i <= 5000; i++) {
      w.watch(i);
      if (i % 3 === 0) w.echoed(i); // echoes may cover several publishes at once
      vi.advanceTimersByTime(1);
    }
    w.echoed(5000);
    vi.advanceTimersByTime(5000);
    expect(lost).not.toHaveBeenCalled();
    expect(w.waiting).toBe(0);
  });

  it('a failed publish is forgotten (nothing will come back for it); reset forgets all', () => {
    const lost = vi.fn();
    const w = new EchoWatch(1000, lost);
    w.watch(1);
    w.watch(2);
    w.unwatch(1);
    w.echoed(2);
    vi.advanceTimersByTime(2000);
    expect(lost).not.toHaveBeenCalled();
    w.watch(3);
    w.reset();
    vi.advanceTimersByTime(2000);
    expect(lost).not.toHaveBeenCalled();
    expect(w.waiting).toBe(0);
  });
});
