import type { Cache } from '../types.js';
import { deferred, equal, within } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** Start a getOrSet whose loader waits for `release`; resolves once the loader is running. */
async function inFlight(c: Cache<unknown>, key: string) {
  const started = deferred<void>();
  const release = deferred<string>();
  const result = c.getOrSet(key, () => {
    started.resolve();
    return release.promise;
  });
  await within(started.promise, 2_000, `the loader of ${key} to start (is the key already cached?)`);
  return { result, release: (v: string) => release.resolve(v) };
}

/** No resurrection: a delete/clear that completes during a load wins over the load's late result. */
export function resurrectionGroup(kit: ConformanceKit): void {
  kit.describe('no resurrection', () => {
    const cases: [string, (c: Cache<unknown>) => Promise<unknown>][] = [
      ['delete', (c) => c.delete('k')],
      ['deleteMany', (c) => c.deleteMany(['k'])],
      ['clear', (c) => c.clear()],
      ['deleteByPattern', (c) => c.deleteByPattern('k*')],
    ];
    if (kit.capabilities.indexes) {
      cases.push([
        'deleteByIndex',
        async (c) => {
          await c.set('other', 1);
          await c.addIndex('idx', 'other', 'v');
          return c.deleteByIndex('idx', 'v');
        },
      ]);
    }
    for (const [name, remove] of cases) {
      kit.it(`a ${name} during an in-flight load: waiters get the value, it is not stored`, async (h) => {
        const c = await h.cache();
        const load = await inFlight(c, 'k');
        await remove(c);
        load.release('loaded');
        equal(await load.result, 'loaded', "the waiter gets the loader's value");
        equal(await c.get('k'), undefined, `the ${name} wins: the late value was not stored`);
      });
    }

    kit.it('a set during an in-flight load wins over the late loader result', async (h) => {
      const c = await h.cache();
      const load = await inFlight(c, 'k');
      await c.set('k', 'newer');
      load.release('loaded');
      equal(await load.result, 'loaded', 'the value the waiter of the in-flight load gets');
      equal(await c.get('k'), 'newer', 'the load did not overwrite a newer write');
    });

    kit.it('a delete of another key does not cancel the store', async (h) => {
      const c = await h.cache();
      const load = await inFlight(c, 'k');
      await c.delete('other');
      load.release('loaded');
      equal(await load.result, 'loaded', 'the value the waiter of the in-flight load gets');
      equal(await c.get('k'), 'loaded', "c.get('k')");
    });
  });
}
