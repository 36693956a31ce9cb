import { describe, expect, it } from 'vitest';
import { Deadlines } from './deadlines.js';

describe('deadlines', () => {
  it('expires exactly the calls still pending at their deadline, in order, with one timer', async () => {
    const dl = new Deadlines(30);
    const expired: number[] = [];
    const ds = [0, 1, 2, 3].map((i) => dl.track(() => expired.push(i)));
    expect(dl.size).toBe(4);
    expect(dl.settle(ds[1]!)).toBe(true);
    expect(dl.settle(ds[1]!)).toBe(false); // settling twice is a no-op
    expect(dl.size).toBe(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(expired).toEqual([0, 2, 3]);
    expect(dl.size).toBe(0);
    expect(dl.settle(ds[0]!)).toBe(false); // a reply after the deadline loses
  });

  it('keeps nothing once every call has settled (memory follows the pending count)', () => {
    const dl = new Deadlines(10_000);
    const ds = Array.from({ length: 10_000 }, () => dl.track(() => {}));
    // Out of order, as replies from several cluster nodes arrive.
    for (let i = 0; i < ds.length; i += 2) dl.settle(ds[i]!);
    for (let i = 1; i < ds.length; i += 2) dl.settle(ds[i]!);
    expect(dl.size).toBe(0);
  });

  it('a commandTimeout beyond what setTimeout can hold (24.8 days) does not expire calls at once', async () => {
    const dl = new Deadlines(30 * 24 * 3600 * 1000);
    let expired = false;
    const d = dl.track(() => {
      expired = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(expired).toBe(false);
    expect(dl.settle(d)).toBe(true);
  });

  it('never expires a call early, even when the clock jumps between calls', async () => {
    let t = 0;
    const dl = new Deadlines(20, () => t);
    const expired: string[] = [];
    dl.track(() => expired.push('a'));
    t = 15;
    dl.track(() => expired.push('b')); // due at 35
    t = 25;
    await new Promise((r) => setTimeout(r, 40));
    expect(expired).toEqual(['a']);
    t = 40;
    await new Promise((r) => setTimeout(r, 40));
    expect(expired).toEqual(['a', 'b']);
  });
});
