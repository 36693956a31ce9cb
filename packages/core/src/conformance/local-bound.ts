import type { EvictReason } from '../types.js';
import { deepEqual, equal, sorted } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** The bound the checks use; each writes three times as many entries. */
const N = 10;

function keys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `k${i}`);
}

/**
 * `maxEntries` bounds only this process's copy of the entries (capability `localBound`, e.g. a
 * tiered cache's L1): the cache itself never loses an entry because of it.
 */
export function localBoundGroup(kit: ConformanceKit): void {
  kit.describe('local bound', () => {
    kit.it(`maxEntries ${N} loses none of ${3 * N} entries and reports no leave event`, async (h) => {
      const events: { key: string; reason: EvictReason }[] = [];
      const c = await h.cache<number>({
        maxEntries: N,
        hooks: { onEvict: ({ key, reason }) => void events.push({ key, reason }) },
      });
      const all = keys(3 * N);
      for (let i = 0; i < 2 * N; i++) await c.set(`k${i}`, i);
      await c.setMany(all.slice(2 * N).map((k, j): [string, number] => [k, 2 * N + j]));
      // Twice: the second pass reads again what the first pushed out of the local copy.
      for (const pass of [1, 2]) {
        for (let i = 0; i < 3 * N; i++) equal(await c.get(`k${i}`), i, `get k${i} (pass ${pass}) with maxEntries ${N}`);
      }
      const many = await c.getMany(all);
      deepEqual(sorted(many.keys()), sorted(all), `getMany of all ${3 * N} keys with maxEntries ${N}`);
      deepEqual(sorted(await c.getKeysByPattern('*')), sorted(all), `the keys held with maxEntries ${N}`);
      deepEqual(events, [], 'leave events while nothing was removed (a local bound is not an eviction)');
    });

    if (kit.capabilities.indexes) {
      kit.it('every entry keeps its index memberships beyond maxEntries', async (h) => {
        const c = await h.cache<number>({ maxEntries: N });
        const all = keys(3 * N);
        for (const [i, k] of all.entries()) {
          await c.set(k, i);
          await c.addIndex('idx', k, 'all');
        }
        deepEqual(sorted(await c.getByIndex('idx', 'all')), sorted(all), `index members with maxEntries ${N}`);
        equal(await c.deleteByIndex('idx', 'all'), 3 * N, `deleteByIndex count with maxEntries ${N}`);
      });
    }
  });
}
