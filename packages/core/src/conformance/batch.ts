import assert from 'node:assert/strict';
import { deepEqual, equal, rejectsWith, sorted } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** getMany / setMany / deleteMany. */
export function batchGroup(kit: ConformanceKit): void {
  kit.describe('batch', () => {
    kit.it('getMany returns a Map of the found keys only', async (h) => {
      const c = await h.cache();
      await c.set('a', 1);
      await c.set('b', null);
      const m = await c.getMany(['a', 'missing', 'b', 'also-missing']);
      assert.ok(m instanceof Map, 'getMany resolves to a Map');
      deepEqual(sorted(m.keys()), ['a', 'b'], 'sorted(m.keys())');
      equal(m.get('a'), 1, "m.get('a')");
      equal(m.get('b'), null, "m.get('b')");
      equal((await c.getMany([])).size, 0, 'getMany([]) is an empty Map');
      const dup = await c.getMany(['a', 'a']);
      equal(dup.get('a'), 1, 'duplicate keys are fine');
    });

    kit.it('setMany accepts an array of pairs, a Map, a generator and a Record', async (h) => {
      const c = await h.cache();
      await c.setMany([
        ['arr1', 1],
        ['arr2', 2],
      ]);
      await c.setMany(
        new Map<string, unknown>([
          ['map1', 3],
          ['map2', 4],
        ]),
      );
      function* gen(): Generator<[string, unknown]> {
        yield ['gen1', 5];
        yield ['gen2', 6];
      }
      await c.setMany(gen());
      await c.setMany({ rec1: 7, rec2: 8, 'rec:3': null });
      const all = await c.getMany(['arr1', 'arr2', 'map1', 'map2', 'gen1', 'gen2', 'rec1', 'rec2', 'rec:3']);
      deepEqual(
        Object.fromEntries(all),
        {
          arr1: 1,
          arr2: 2,
          map1: 3,
          map2: 4,
          gen1: 5,
          gen2: 6,
          rec1: 7,
          rec2: 8,
          'rec:3': null,
        },
        'Object.fromEntries(all)',
      );
      await c.setMany([]);
      await c.setMany({});
    });

    kit.it('setMany with one undefined value refuses the whole batch', async (h) => {
      const c = await h.cache();
      await rejectsWith(
        c.setMany([
          ['a', 1],
          ['b', undefined],
        ]),
        'INVALID_VALUE',
        'setMany with an undefined value',
      );
      equal(await c.has('a'), false, 'nothing of a refused batch was written');
    });

    kit.it('setMany applies a TTL to every entry', async (h) => {
      const c = await h.cache();
      await c.setMany({ a: 1, b: 2 }, h.shortTtl);
      await c.setMany({ p: 1 }, { ttl: Number.POSITIVE_INFINITY });
      equal((await c.getMany(['a', 'b'])).size, 2, "(c.getMany(['a', 'b'])).size");
      await h.expireShort();
      equal((await c.getMany(['a', 'b', 'p'])).size, 1, "(c.getMany(['a', 'b', 'p'])).size");
      equal(await c.get('p'), 1, "c.get('p')");
    });

    kit.it('deleteMany returns the count actually removed', async (h) => {
      const c = await h.cache();
      await c.setMany({ a: 1, b: 2, c: 3 });
      equal(await c.deleteMany(['a', 'b', 'missing']), 2, "c.deleteMany(['a', 'b', 'missing'])");
      equal(await c.deleteMany(['a', 'b']), 0, 'already removed');
      equal(await c.deleteMany([]), 0, 'c.deleteMany([])');
      equal(await c.get('c'), 3, "c.get('c')");
      equal(await c.deleteMany(['c', 'c']), 1, 'a duplicated key counts once');
    });
  });
}
