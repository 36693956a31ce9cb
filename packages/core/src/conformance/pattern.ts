import { compileGlob } from '../glob.js';
import { collect, deepEqual, equal, rejectsWithCacheError, sorted } from './assertions.js';
import type { ConformanceKit } from './kit.js';

const KEYS = [
  'user:1',
  'user:2',
  'user:10',
  'user:a',
  'usr:1',
  'admin:1',
  'a*b',
  'a?b',
  'axb',
  'a[b]',
  'ab',
  'a\\b',
  'b',
  'c',
  'd',
  'hello',
  'hallo',
  'hxllo',
  'hllo',
  'heeeello',
];

/** Pattern → the keys of KEYS it must match (Redis glob semantics). */
const EXPECTED: [string, string[]][] = [
  ['*', KEYS],
  ['user:*', ['user:1', 'user:2', 'user:10', 'user:a']],
  ['user:?', ['user:1', 'user:2', 'user:a']],
  ['user:[12]', ['user:1', 'user:2']],
  ['user:[0-9]*', ['user:1', 'user:2', 'user:10']],
  ['user:[^0-9]', ['user:a']],
  ['[a-c]', ['b', 'c']],
  ['[^a]', ['b', 'c', 'd']],
  ['h?llo', ['hello', 'hallo', 'hxllo']],
  ['h*llo', ['hello', 'hallo', 'hxllo', 'hllo', 'heeeello']],
  ['h[ae]llo', ['hello', 'hallo']],
  ['h[^e]llo', ['hallo', 'hxllo']],
  ['h[a-b]llo', ['hallo']],
  ['a\\*b', ['a*b']],
  ['a\\?b', ['a?b']],
  ['a?b', ['a*b', 'a?b', 'axb', 'a\\b']],
  ['a*b', ['a*b', 'a?b', 'axb', 'ab', 'a\\b']],
  ['a\\[b\\]', ['a[b]']],
  ['a\\\\b', ['a\\b']],
  ['*:1', ['user:1', 'usr:1', 'admin:1']],
  ['nothing*', []],
  ['user:1', ['user:1']],
];

/** getKeysByPattern / scanKeys / deleteByPattern with Redis glob semantics. */
export function patternGroup(kit: ConformanceKit): void {
  kit.describe('patterns', () => {
    kit.it('getKeysByPattern and scanKeys follow Redis glob syntax', async (h) => {
      const c = await h.cache();
      for (const k of KEYS) await c.set(k, 1);
      for (const [pattern, want] of EXPECTED) {
        deepEqual(
          sorted(await c.getKeysByPattern(pattern)),
          sorted(want),
          `getKeysByPattern(${JSON.stringify(pattern)})`,
        );
        deepEqual(sorted(await collect(c.scanKeys(pattern))), sorted(want), `scanKeys(${JSON.stringify(pattern)})`);
        // The oracle every provider shares.
        const glob = compileGlob(pattern);
        deepEqual(sorted(KEYS.filter((k) => glob.test(k))), sorted(want), `compileGlob(${JSON.stringify(pattern)})`);
      }
    });

    kit.it('results are the user keys, without any internal prefix', async (h) => {
      const c = await h.cache();
      await c.setMany({ 'p:1': 1, 'p:2': 2 });
      const keys = await c.getKeysByPattern('*');
      deepEqual(sorted(keys), ['p:1', 'p:2'], 'sorted(keys)');
      for (const k of keys) equal(await c.get(k), k === 'p:1' ? 1 : 2, `a listed key reads back (${k})`);
    });

    kit.it('deleteByPattern removes the matches and returns the count', async (h) => {
      const c = await h.cache();
      for (const k of KEYS) await c.set(k, 1);
      equal(await c.deleteByPattern('user:*'), 4, "c.deleteByPattern('user:*')");
      deepEqual(await c.getKeysByPattern('user:*'), [], "c.getKeysByPattern('user:*')");
      equal(await c.has('usr:1'), true, "c.has('usr:1')");
      equal(await c.deleteByPattern('a\\*b'), 1, 'an escaped pattern deletes only the literal key');
      equal(await c.has('axb'), true, "c.has('axb')");
      equal(await c.deleteByPattern('nothing*'), 0, "c.deleteByPattern('nothing*')");
      const left = (await c.getKeysByPattern('*')).length;
      equal(await c.deleteByPattern('*'), left, "c.deleteByPattern('*')");
      deepEqual(await c.getKeysByPattern('*'), [], "c.getKeysByPattern('*')");
    });

    kit.it('deleteByPattern does not count expired entries', async (h) => {
      const c = await h.cache();
      await c.set('e:1', 1, h.shortTtl);
      await c.set('e:2', 1);
      await h.expireShort();
      equal(await c.deleteByPattern('e:*'), 1, "c.deleteByPattern('e:*')");
    });

    kit.it('scanKeys streams a large key space completely and without duplicates', async (h) => {
      const c = await h.cache();
      const n = 2_500;
      const batch: [string, number][] = [];
      for (let i = 0; i < n; i++) batch.push([`big:${i}`, i]);
      await c.setMany(batch);
      await c.set('other', 1);
      const seen = await collect(c.scanKeys('big:*'));
      equal(seen.length, n, 'count streamed');
      equal(new Set(seen).size, n, 'no duplicates');
      equal((await c.getKeysByPattern('big:*')).length, n, "(c.getKeysByPattern('big:*')).length");
      equal(await c.deleteByPattern('big:*'), n, "c.deleteByPattern('big:*')");
    });

    kit.it('an over-long pattern is refused with a CacheError', async (h) => {
      const c = await h.cache({ maxPatternLength: 16 });
      await rejectsWithCacheError(c.getKeysByPattern('*'.repeat(17)), 'getKeysByPattern over maxPatternLength');
      await rejectsWithCacheError(c.deleteByPattern('a'.repeat(17)), 'deleteByPattern over maxPatternLength');
      await rejectsWithCacheError(() => collect(c.scanKeys('a'.repeat(17))), 'scanKeys over maxPatternLength');
    });
  });
}
