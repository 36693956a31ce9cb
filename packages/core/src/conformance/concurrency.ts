import assert from 'node:assert/strict';
import { equal } from './assertions.js';
import { checkProperty, loadFastCheck, scheduledMiddleware } from './fast-check.js';
import type { ConformanceKit } from './kit.js';

/**
 * Concurrency under randomised interleavings: fast-check's scheduler decides when each operation
 * enters the cache (through a middleware) and when each loader/updater continues. A failure prints
 * the fast-check seed and path plus the suite seed; `seed` replays it.
 */
export function concurrencyGroup(kit: ConformanceKit): void {
  kit.describe('concurrency (randomised interleavings)', () => {
    kit.it('interleaved increments end at exactly N', async (h) => {
      const fc = await loadFastCheck();
      await checkProperty(
        kit,
        h,
        fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 25 }), async (s, n) => {
          let active = true;
          const c = await h.cache<number>({ middleware: [scheduledMiddleware(s, () => active)] });
          const ops = Array.from({ length: n }, (_, i) =>
            c.update('n', async (old) => {
              await s.schedule(Promise.resolve(), `updater ${i}`);
              return (old ?? 0) + 1;
            }),
          );
          await s.waitFor(Promise.all(ops));
          active = false;
          equal(await c.get('n'), n, "c.get('n')");
          await c.close();
        }),
      );
    });

    kit.it(
      'interleaved getOrSet callers share one load, with reads and writes of other keys around them',
      async (h) => {
        const fc = await loadFastCheck();
        await checkProperty(
          kit,
          h,
          fc.asyncProperty(
            fc.scheduler(),
            fc.integer({ min: 2, max: 20 }),
            fc.integer({ min: 0, max: 10 }),
            async (s, n, noise) => {
              let active = true;
              const c = await h.cache<string>({ middleware: [scheduledMiddleware(s, () => active)] });
              let loads = 0;
              const ops: Promise<unknown>[] = Array.from({ length: n }, () =>
                c.getOrSet('hot', async () => {
                  loads++;
                  await s.schedule(Promise.resolve(), 'loader');
                  return 'v';
                }),
              );
              for (let i = 0; i < noise; i++) {
                ops.push(c.set(`other${i}`, 'x'), c.get('hot'), c.delete(`other${i - 1}`));
              }
              const results = await s.waitFor(Promise.all(ops));
              active = false;
              equal(loads, 1, `loader calls for ${n} interleaved getOrSet callers of one key (single-flight)`);
              assert.ok(
                results.slice(0, n).every((r) => r === 'v'),
                'every getOrSet caller got the value',
              );
              equal(await c.get('hot'), 'v', "c.get('hot')");
              await c.close();
            },
          ),
        );
      },
    );

    kit.it('exactly one interleaved setIfNotExists wins', async (h) => {
      const fc = await loadFastCheck();
      await checkProperty(
        kit,
        h,
        fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 20 }), fc.boolean(), async (s, n, withSets) => {
          let active = true;
          const c = await h.cache<number>({ middleware: [scheduledMiddleware(s, () => active)] });
          const ops = Array.from({ length: n }, (_, i) => c.setIfNotExists('race', i));
          const sideSets = withSets ? [c.setIfExists('race', -1)] : [];
          const [results] = await s.waitFor(Promise.all([Promise.all(ops), Promise.all(sideSets)]));
          active = false;
          const winners = results.flatMap((won, i) => (won ? [i] : []));
          equal(
            winners.length,
            1,
            `winning setIfNotExists calls of ${n} interleaved ones (winners ${JSON.stringify(winners)}; exactly one may write)`,
          );
          const final = await c.get('race');
          assert.ok(final === winners[0] || final === -1, `final value ${String(final)}`);
          await c.close();
        }),
      );
    });

    kit.it('interleaved increments, deletes of other keys and getOrSet lose no increment', async (h) => {
      const fc = await loadFastCheck();
      const op = fc.constantFrom('inc', 'setOther', 'delOther', 'loadOther', 'readCounter');
      await checkProperty(
        kit,
        h,
        fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 1, maxLength: 40 }), async (s, plan) => {
          let active = true;
          const c = await h.cache<number>({ middleware: [scheduledMiddleware(s, () => active)] });
          const ops = plan.map((kind, i) => {
            switch (kind) {
              case 'inc':
                return c.update('counter', async (old) => {
                  await s.schedule(Promise.resolve(), `inc ${i}`);
                  return (old ?? 0) + 1;
                });
              case 'setOther':
                return c.set(`o${i % 3}`, i);
              case 'delOther':
                return c.delete(`o${i % 3}`);
              case 'loadOther':
                return c.getOrSet(`o${i % 3}`, () => i);
              default:
                return c.get('counter');
            }
          });
          await s.waitFor(Promise.all(ops));
          active = false;
          const incs = plan.filter((k) => k === 'inc').length;
          equal((await c.get('counter')) ?? 0, incs, "(c.get('counter')) ?? 0");
          await c.close();
        }),
      );
    });
  });
}
