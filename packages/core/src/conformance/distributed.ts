import assert from 'node:assert/strict';
import { isCacheError } from '../errors.js';
import type { Cache } from '../types.js';
import { deepEqual, deferred, equal, sleep, within } from './assertions.js';
import { checkProperty, loadFastCheck, scheduledMiddleware } from './fast-check.js';
import type { ConformanceKit } from './kit.js';

/** Several cache instances of one name (standing for processes) share entries without losing writes. */
export function distributedGroup(kit: ConformanceKit): void {
  kit.describe('distributed', () => {
    kit.it('instances of one name see each other’s writes, deletes and clears', async (h) => {
      const name = h.kit.uniqueName();
      const a = await h.cache({ name });
      const b = await h.peerCache({ name });
      await a.set('k', 1);
      equal(await b.get('k'), 1, "b.get('k')");
      equal(await b.delete('k'), true, "b.delete('k')");
      equal(await a.get('k'), undefined, "a.get('k')");
      await a.setMany({ x: 1, y: 2 });
      deepEqual((await b.getKeysByPattern('*')).sort(), ['x', 'y'], "(b.getKeysByPattern('*')).sort()");
      await b.clear();
      deepEqual(await a.getKeysByPattern('*'), [], "a.getKeysByPattern('*')");
      if (kit.capabilities.indexes) {
        await a.set('i', 1);
        await a.addIndex('idx', 'i', 'v');
        deepEqual(await b.getByIndex('idx', 'v'), ['i'], "b.getByIndex('idx', 'v')");
        equal(await b.deleteByIndex('idx', 'v'), 1, "b.deleteByIndex('idx', 'v')");
        equal(await a.has('i'), false, "a.has('i')");
      }
    });

    kit.it('concurrent updates from 4 instances lose nothing', async (h) => {
      const name = h.kit.uniqueName();
      // A generous retry budget: CONFLICT (budget exhausted) is allowed by the contract, a lost update is not.
      const instances = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          i === 0 ? h.cache<number>({ name, updateRetries: 100 }) : h.peerCache<number>({ name, updateRetries: 100 }),
        ),
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
      equal(await instances[0]!.get('n'), done, 'every successful increment is counted, no more');
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
              Array.from({ length: 3 }, (_, i) => {
                const o = { name, updateRetries: 64, middleware: [scheduledMiddleware(s, () => active)] };
                return i === 0 ? h.cache<number>(o) : h.peerCache<number>(o);
              }),
            );
            const ops = plan.map((n, i) =>
              instances[n]!.update('n', async (old) => {
                await s.schedule(Promise.resolve(), `updater ${i} on instance ${n}`);
                return (old ?? 0) + 1;
              }),
            );
            await s.waitFor(Promise.all(ops));
            active = false;
            equal(await instances[0]!.get('n'), plan.length, "instances[0]!.get('n')");
            for (const c of instances) await c.close();
          },
        ),
      );
    });

    kit.it('exactly one setIfNotExists wins across instances', async (h) => {
      const name = h.kit.uniqueName();
      const instances = await Promise.all(
        Array.from({ length: 4 }, (_, i) => (i === 0 ? h.cache<string>({ name }) : h.peerCache<string>({ name }))),
      );
      const results = await Promise.all(
        instances.flatMap((c, n) => Array.from({ length: 10 }, (_, i) => c.setIfNotExists('race', `${n}:${i}`))),
      );
      equal(
        results.filter(Boolean).length,
        1,
        'winning setIfNotExists calls of 40 across 4 processes (exactly one may write)',
      );
    });

    kit.it('getOrSet across instances loads once and every instance gets the value', async (h) => {
      const name = h.kit.uniqueName();
      const instances = await Promise.all(
        Array.from({ length: 3 }, (_, i) => (i === 0 ? h.cache<string>({ name }) : h.peerCache<string>({ name }))),
      );
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
      equal(loads, 1, 'loader calls for 15 getOrSet callers of one key across 3 processes (distributed single-flight)');
    });

    const removals: [string, (b: Cache<unknown>) => Promise<unknown>][] = [
      ['delete', (b) => b.delete('k')],
      ['deleteMany', (b) => b.deleteMany(['k', 'x'])],
      ['deleteByPattern', (b) => b.deleteByPattern('k*')],
      ['clear', (b) => b.clear()],
    ];
    if (kit.capabilities.indexes) {
      removals.push([
        'deleteByIndex',
        async (b) => {
          await b.set('other', 1);
          await b.addIndex('idx', 'other', 'v');
          return b.deleteByIndex('idx', 'v');
        },
      ]);
    }
    for (const [op, remove] of removals) {
      kit.it(`a ${op} in another process during a load wins: the late value is never stored`, async (h) => {
        const name = h.kit.uniqueName();
        const a = await h.cache<string>({ name });
        const b = await h.peerCache<string>({ name });
        const started = deferred<void>();
        let loads = 0;
        const loader = async () => {
          loads++;
          started.resolve();
          await sleep(300);
          return 'resurrected';
        };
        const waiters = [a.getOrSet('k', loader), a.getOrSet('k', loader)];
        await within(started.promise, 5_000, `the loader in process A to start (is 'k' already cached?)`);
        await sleep(20);
        await within(remove(b as Cache<unknown>), 5_000, `${op} in process B while A loads`);
        const got = await within(Promise.all(waiters), 10_000, "A's getOrSet waiters");
        assert.deepEqual(got, ['resurrected', 'resurrected'], "expected A's waiters to get their loader's value");
        assert.equal(loads, 1, `expected one loader call for A's two waiters, got ${loads}`);
        assert.equal(
          await b.get('k'),
          undefined,
          `expected B's ${op}, completed while A's loader ran, to win: B read the value A's late load stored (a revoked session came back)`,
        );
        assert.equal(
          await a.get('k'),
          undefined,
          `expected B's ${op}, completed while A's loader ran, to win: A read its own late value back`,
        );
      });
    }

    kit.it('nested loads that outnumber a connection pool finish (no connection held across the loader)', async (h) => {
      const name = h.kit.uniqueName();
      const a = await h.cache<string>({ name });
      const b = await h.peerCache<string>({ name });
      const n = 20;
      const outer = Array.from({ length: n }, (_, i) =>
        (i % 2 === 0 ? a : b).getOrSet(`outer:${i}`, async () => {
          const inner = await (i % 2 === 0 ? a : b).getOrSet(`inner:${i}`, async () => {
            await sleep(5);
            return `i${i}`;
          });
          return `${inner}+o`;
        }),
      );
      const results = await within(
        Promise.all(outer),
        10_000,
        `${n} concurrent getOrSet loads, each calling getOrSet of another key inside its loader — likely deadlocked: a loadThrough (or lock) that holds a pooled connection, transaction or slot while ctx.load() runs starves the nested loads; release it before calling ctx.load()`,
      );
      assert.deepEqual(
        results,
        Array.from({ length: n }, (_, i) => `i${i}+o`),
        'expected every nested load to return its inner value plus its own',
      );
      assert.equal(await b.get('inner:0'), 'i0', 'expected the inner values stored and visible in the other process');
    });
  });
}
