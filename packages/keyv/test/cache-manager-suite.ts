import type { Cache } from '@gocache/core';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { KeyvGocache } from '../src/index.js';

/**
 * cache-manager 7 over `new Keyv({ store: new KeyvGocache(cache) })`: every method its README
 * lists for the store, with Keyv's serialization on and off (cache-manager's own default Keyv has it off).
 */
export function describeCacheManager(name: string, cache: () => Cache<unknown>): void {
  for (const serialization of [true, false]) {
    describe(`cache-manager 7 over ${name}, Keyv serialization ${serialization ? 'on' : 'off'}`, () => {
      function manager(namespace: string) {
        const keyv = new Keyv({ store: new KeyvGocache(cache()), namespace });
        if (!serialization) {
          keyv.serialize = undefined;
          keyv.deserialize = undefined;
        }
        return createCache({ stores: [keyv] });
      }

      it('get, set, del, ttl', async () => {
        const cm = manager('basic');
        expect(await cm.get('user:1')).toBeUndefined();
        const before = Date.now();
        expect(await cm.set('user:1', { name: 'Ada' }, 60_000)).toEqual({ name: 'Ada' });
        expect(await cm.get('user:1')).toEqual({ name: 'Ada' });
        const expires = await cm.ttl('user:1');
        expect(expires).toBeGreaterThanOrEqual(before + 60_000);
        expect(expires).toBeLessThanOrEqual(Date.now() + 60_000);
        await cm.set('forever', 1);
        expect(await cm.ttl('forever')).toBeUndefined();
        expect(await cm.del('user:1')).toBe(true);
        expect(await cm.get('user:1')).toBeUndefined();
        await cm.clear();
      });

      it('mget, mset, mdel', async () => {
        const cm = manager('batch');
        await cm.mset<unknown>([
          { key: 'a', value: 1, ttl: 60_000 },
          { key: 'b', value: 'two' },
          { key: 'c', value: null },
        ]);
        expect(await cm.mget(['a', 'b', 'c', 'missing'])).toEqual([1, 'two', null, undefined]);
        expect(await cm.ttl('a')).toBeGreaterThan(Date.now());
        expect(await cm.mdel(['a', 'b'])).toBe(true);
        expect(await cm.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, null]);
        await cm.clear();
      });

      it('wrap: one load for concurrent callers, then hits', async () => {
        const cm = manager('wrap');
        let loads = 0;
        const load = async () => {
          loads++;
          await new Promise((r) => setTimeout(r, 20));
          return { at: loads };
        };
        const results = await Promise.all(Array.from({ length: 5 }, () => cm.wrap('k', load, 60_000)));
        expect(results).toEqual(Array.from({ length: 5 }, () => ({ at: 1 })));
        expect(await cm.wrap('k', load, 60_000)).toEqual({ at: 1 });
        expect(loads).toBe(1);
        expect(await cm.ttl('k')).toBeGreaterThan(Date.now());
        await cm.clear();
      });

      it('clear deletes only its own namespace', async () => {
        const one = manager('one');
        const two = manager('two');
        await one.set('k', 1);
        await two.set('k', 2);
        expect(await one.clear()).toBe(true);
        expect(await one.get('k')).toBeUndefined();
        expect(await two.get('k')).toBe(2);
        await two.clear();
        expect(await two.get('k')).toBeUndefined();
      });
    });
  }
}
