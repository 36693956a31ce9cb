import { describe, expect, it } from 'vitest';
import { createCache } from './create-cache.js';
import { type Row, remoteProvider } from './remote-store.fixture.js';

describe('update contention between processes', () => {
  it('two processes × 50 concurrent increments end at exactly 100 with the default retry budget', async () => {
    for (let round = 0; round < 5; round++) {
      const rows = new Map<string, Row>();
      const a = createCache<number>(remoteProvider(rows, 2), { name: 'counters' });
      const b = createCache<number>(remoteProvider(rows, 2), { name: 'counters' });
      const inc = (n: number | undefined) => (n ?? 0) + 1;
      const results = await Promise.allSettled([
        ...Array.from({ length: 50 }, () => a.update('hits', inc)),
        ...Array.from({ length: 50 }, () => b.update('hits', inc)),
      ]);
      const failed = results.filter((r) => r.status === 'rejected');
      expect(
        failed.map((r) => String((r as PromiseRejectedResult).reason)),
        `round ${round}`,
      ).toEqual([]);
      expect(await a.get('hits')).toBe(100);
      await a.close();
      await b.close();
    }
  });
});
