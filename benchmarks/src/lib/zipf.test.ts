import { describe, expect, it } from 'vitest';
import { zipfWithScansTrace } from './traces.ts';
import { createZipf, zipfSequence } from './zipf.ts';

describe('zipf', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    expect(zipfSequence(1000, 1, 500, 5)).toEqual(zipfSequence(1000, 1, 500, 5));
    expect(zipfSequence(1000, 1, 500, 5)).not.toEqual(zipfSequence(1000, 1, 500, 6));
  });

  it('draws ranks with frequency ∝ 1/rank^s', () => {
    const n = 100;
    const s = 1;
    const draws = 200_000;
    const ids = zipfSequence(n, s, draws, 9);
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    let h = 0;
    for (let k = 1; k <= n; k++) h += 1 / k ** s;
    // The most popular id is drawn 1/H_n of the time, the second half as often, the tenth a tenth.
    expect((sorted[0] as number) / draws).toBeCloseTo(1 / h, 2);
    expect((sorted[1] as number) / (sorted[0] as number)).toBeCloseTo(0.5, 1);
    expect((sorted[9] as number) / (sorted[0] as number)).toBeCloseTo(0.1, 1);
  });

  it('stays within the key space', () => {
    const next = createZipf(10, 0.8, 1);
    for (let i = 0; i < 10_000; i++) {
      const id = next();
      expect(id >= 0 && id < 10).toBe(true);
    }
  });
});

describe('zipfWithScansTrace', () => {
  it('inserts scans of never-seen keys above the key space, one id each', () => {
    const t = zipfWithScansTrace(1000, 1, 50_000, 3, { period: 5_000, scanLength: 300 });
    const scanIds = [...t.ids].filter((id) => id >= 1000);
    expect(new Set(scanIds).size).toBe(scanIds.length);
    expect(t.idSpace).toBe(1000 + scanIds.length);
    // ~50,000 / 5,300 ≈ 9 scans of 300 keys.
    expect(scanIds.length).toBeGreaterThanOrEqual(8 * 300);
    expect(scanIds.length).toBeLessThanOrEqual(10 * 300);
    // Scan keys arrive back to back.
    const first = t.ids.indexOf(1000);
    expect([...t.ids.subarray(first, first + 300)]).toEqual(Array.from({ length: 300 }, (_, i) => 1000 + i));
  });
});
