import { deepEqual, equal, rejectsWith } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** get/set/delete/has/clear, misses, falsy values, `undefined` refused. */
export function basicGroup(kit: ConformanceKit): void {
  kit.describe('basic', () => {
    kit.it('a miss is undefined', async (h) => {
      const c = await h.cache();
      equal(await c.get('nope'), undefined, "c.get('nope')");
      equal(await c.has('nope'), false, "c.has('nope')");
    });

    kit.it('set then get round-trips values of every JSON shape', async (h) => {
      const c = await h.cache();
      const values: [string, unknown][] = [
        ['str', 'hello'],
        ['unicode', 'héllo wörld ✓ 🚀'],
        ['int', 42],
        ['neg', -7.25],
        ['true', true],
        ['obj', { a: 1, b: { c: [1, 2, 3] }, d: 'x' }],
        ['arr', [1, 'two', null, { three: 3 }]],
        ['emptyObj', {}],
        ['emptyArr', []],
      ];
      for (const [k, v] of values) await c.set(k, v);
      for (const [k, v] of values) deepEqual(await c.get(k), v, `value of ${k}`);
    });

    kit.it('null, 0, empty string and false are values, not misses', async (h) => {
      const c = await h.cache();
      const falsy: [string, unknown][] = [
        ['null', null],
        ['zero', 0],
        ['empty', ''],
        ['false', false],
      ];
      for (const [k, v] of falsy) await c.set(k, v);
      for (const [k, v] of falsy) {
        equal(await c.get(k), v, `get ${k}`);
        equal(await c.has(k), true, `has ${k}`);
      }
      const many = await c.getMany(falsy.map(([k]) => k));
      equal(many.size, 4, 'getMany finds all four falsy values');
      for (const [k, v] of falsy) equal(many.get(k), v, 'many.get(k)');
      equal(await c.getOrSet('null', () => 'loaded'), null, 'getOrSet sees a stored null as a hit');
    });

    kit.it('set of undefined is refused with INVALID_VALUE and writes nothing', async (h) => {
      const c = await h.cache();
      await rejectsWith(c.set('k', undefined), 'INVALID_VALUE', 'set(undefined) on a miss');
      equal(await c.has('k'), false, "c.has('k')");
      await c.set('k', 'kept');
      await rejectsWith(c.set('k', undefined), 'INVALID_VALUE', 'set(undefined) over a value');
      equal(await c.get('k'), 'kept', 'the old value survives a refused write');
      await rejectsWith(c.setIfExists('k', undefined), 'INVALID_VALUE', 'setIfExists(undefined)');
      await rejectsWith(c.setIfNotExists('k2', undefined), 'INVALID_VALUE', 'setIfNotExists(undefined)');
      equal(await c.has('k2'), false, "c.has('k2')");
    });

    kit.it('an overwrite replaces the value', async (h) => {
      const c = await h.cache();
      await c.set('k', 1);
      await c.set('k', 2);
      equal(await c.get('k'), 2, "c.get('k')");
    });

    kit.it('delete returns true only when an entry was removed', async (h) => {
      const c = await h.cache();
      await c.set('k', 'v');
      equal(await c.delete('k'), true, "c.delete('k')");
      equal(await c.get('k'), undefined, "c.get('k')");
      equal(await c.has('k'), false, "c.has('k')");
      equal(await c.delete('k'), false, 'second delete');
      equal(await c.delete('never'), false, 'delete of a key never written');
    });

    kit.it('clear removes every entry of the cache', async (h) => {
      const c = await h.cache();
      for (let i = 0; i < 20; i++) await c.set(`k${i}`, i);
      await c.clear();
      for (let i = 0; i < 20; i++) equal(await c.has(`k${i}`), false, `c.has('k${i}') after clear`);
      deepEqual(await c.getKeysByPattern('*'), [], "c.getKeysByPattern('*')");
      await c.set('after', 1);
      equal(await c.get('after'), 1, 'the cache is usable after clear');
    });

    kit.it('the cache reports its name', async (h) => {
      const name = h.kit.uniqueName();
      const c = await h.cache({ name });
      equal(c.name, name, 'the cache name (c.name is the name it was made with)');
    });
  });
}
