import assert from 'node:assert/strict';
import { isCacheError } from '../errors.js';
import { sleep } from './assertions.js';
import { checkProperty, loadFastCheck, scheduledMiddleware } from './fast-check.js';
import type { ConformanceKit } from './kit.js';

/** Several cache instances of one name (standing for processes) share entries without losing writes. */
export function distributedGroup(kit: ConformanceKit): void {
  kit.describe('distributed', () => {
    kit.it('instances of one name see each other’s writes, deletes and clears', async (h) => {
      const name = h.kit.uniqueName();
      const a = await h.cache({ name });
      const b = await h.cache({ name });
      await a.set('k', 1);
      assert.equal(await b.get('k'), 1);
      assert.equal(await b.delete('k'), true);
      assert.equal(await a.get('k'), undefined);
      await a.setMany({ x: 1, y: 2 });
      assert.deepEqual((await b.getKeysByPattern('*')).sort(), ['x', 'y']);
      await b.clear();
      assert.deepEqual(await a.getKeysByPattern('*'), []);
      if (kit.capabilities.indexes) {
        await a.set('i', 1);
        await a.addIndex('idx', 'i', 'v');
        assert.deepEqual(await b.getByIndex('idx', 'v'), ['i']);
        assert.equal(await b.deleteByIndex('idx', 'v'), 1);
        assert.equal(await a.has('i'), false);
      }
    });

    kit.it('concurrent updates from 4 instances lose nothing', async (h) => {
      const name = h.kit.uniqueName();
      // A generous retry budget: CONFLICT (budget exhausted) is allowed by the contract, a lost update is not.
      const instances = await Promise.all(
        Array.from({ length: 4 }, () => h.cache<number>({ name, updateRetries: 100 })),
      );
      const perInstance = 50;
      const settled = await Promise.allSettled(
        instances.flatMap((c) =>
          Array.from({ length: perInstance }, (_, i) =>
            c.update('n', async (old) => {
              if (i % 4 === 0) await sleep(0);
              return (old ?? 0) + 1;
            }),
          ),
        ),
      );
      const done = settled.filter((r) => r.status === 'fulfilled').length;
      for (const r of settled) {
        if (r.status === 'rejected')
          assert.ok(isCacheError(r.reason, 'CONFLICT'), `an update failed with ${String(r.reason)}`);
      }
      assert.ok(done >= settled.length / 2, `only ${done} of ${settled.length} updates succeeded`);
      assert.equal(await instances[0]!.get('n'), done, 'every successful increment is counted, no more');
    });

    kit.it('randomly interleaved increments from 3 instances end at exactly N', async (h) => {
      const fc = await loadFastCheck();
      await checkProperty(
        kit,
        h,
        fc.asyncProperty(
          fc.scheduler(),
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 10 }),
          async (s, plan) => {
            let active = true;
            const name = h.kit.uniqueName();
            const instances = await Promise.all(
              Array.from({ length: 3 }, () =>
                h.cache<number>({ name, updateRetries: 64, middleware: [scheduledMiddleware(s, () => active)] }),
              ),
            );
            const ops = plan.map((n, i) =>
              instances[n]!.update('n', async (old) => {
                await s.schedule(Promise.resolve(), `updater ${i} on instance ${n}`);
                return (old ?? 0) + 1;
              }),
            );
            await s.waitFor(Promise.all(ops));
            active = false;
            assert.equal(await instances[0]!.get('n'), plan.length);
            for (const c of instances) await c.close();
          },
        ),
      );
    });

    kit.it('exactly one setIfNotExists wins across instances', async (h) => {
      const name = h.kit.uniqueName();
      const instances = await Promise.all(Array.from({ length: 4 }, () => h.cache<string>({ name })));
      const results = await Promise.all(
        instances.flatMap((c, n) => Array.from({ length: 10 }, (_, i) => c.setIfNotExists('race', `${n}:${i}`))),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });

    kit.it('getOrSet across instances loads once and every instance gets the value', async (h) => {
      const name = h.kit.uniqueName();
      const instances = await Promise.all(Array.from({ length: 3 }, () => h.cache<string>({ name })));
      let loads = 0;
      const results = await Promise.all(
        instances.flatMap((c) =>
          Array.from({ length: 5 }, () =>
            c.getOrSet('k', async () => {
              loads++;
              await sleep(50);
              return 'v';
            }),
          ),
        ),
      );
      assert.ok(
        results.every((r) => r === 'v'),
        'every caller got the value',
      );
      assert.equal(loads, 1, 'one load across instances (distributed single-flight)');
    });
  });
}
