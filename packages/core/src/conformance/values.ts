import assert from 'node:assert/strict';
import { equal } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** In-process value identity: by reference by default, copies with `clone: 'structured'`. */
export function valuesGroup(kit: ConformanceKit): void {
  kit.describe('reference values', () => {
    kit.it('by default get returns the very object that was set', async (h) => {
      const c = await h.cache<{ n: number }>();
      const obj = { n: 1 };
      await c.set('k', obj);
      equal(await c.get('k'), obj, 'same reference');
      obj.n = 2;
      equal((await c.get('k'))?.n, 2, 'a mutation is visible (stored by reference)');
    });

    kit.it("clone: 'structured' stores and returns copies", async (h) => {
      const c = await h.cache<{ n: number; d: Date; m: Map<string, number> }>({ clone: 'structured' });
      const obj = { n: 1, d: new Date(0), m: new Map([['a', 1]]) };
      await c.set('k', obj);
      obj.n = 2;
      const got = await c.get('k');
      assert.notEqual(got, obj, 'a different object');
      equal(got?.n, 1, 'the stored copy did not see the later mutation');
      assert.ok(got?.d instanceof Date && got.m instanceof Map, 'structured clone keeps Date and Map');
      got.n = 3;
      equal((await c.get('k'))?.n, 1, 'mutating a returned copy does not change the cache');
      const many = await c.getMany(['k']);
      assert.notEqual(
        many.get('k'),
        got,
        'expected getMany to return a fresh copy, not the object an earlier get returned',
      );
      const loaded = { n: 5, d: new Date(0), m: new Map() };
      const first = await c.getOrSet('l', () => loaded);
      loaded.n = 6;
      equal((await c.get('l'))?.n, 5, 'a loaded value is stored as a copy');
      equal(first.n, 5, 'the value the first getOrSet returned');
    });
  });
}
