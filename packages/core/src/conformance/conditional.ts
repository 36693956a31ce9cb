import assert from 'node:assert/strict';
import { equal } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** setIfNotExists / setIfExists: results, TTLs, atomicity under concurrency. */
export function conditionalGroup(kit: ConformanceKit): void {
  kit.describe('conditional writes', () => {
    kit.it('setIfNotExists writes only on a miss', async (h) => {
      const c = await h.cache();
      equal(await c.setIfNotExists('k', 1), true, "c.setIfNotExists('k', 1)");
      equal(await c.setIfNotExists('k', 2), false, "c.setIfNotExists('k', 2)");
      equal(await c.get('k'), 1, 'the losing write changed nothing');
      await c.set('n', null);
      equal(await c.setIfNotExists('n', 3), false, 'a stored null counts as existing');
    });

    kit.it('setIfExists writes only over a live entry', async (h) => {
      const c = await h.cache();
      equal(await c.setIfExists('k', 1), false, "c.setIfExists('k', 1)");
      equal(await c.has('k'), false, 'setIfExists on a miss wrote nothing');
      await c.set('k', 1);
      equal(await c.setIfExists('k', 2), true, "c.setIfExists('k', 2)");
      equal(await c.get('k'), 2, "c.get('k')");
    });

    kit.it('conditional writes honour their TTL', async (h) => {
      const c = await h.cache();
      await c.setIfNotExists('a', 1, h.shortTtl);
      await c.set('b', 1);
      await c.setIfExists('b', 2, { ttl: h.shortTtl });
      await h.expireShort();
      equal(await c.has('a'), false, "c.has('a')");
      equal(await c.has('b'), false, "c.has('b')");
    });

    kit.it('exactly one of 100 concurrent setIfNotExists wins, and its value is stored', async (h) => {
      const c = await h.cache<number>();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => c.setIfNotExists('race', i)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      equal(
        winners.length,
        1,
        `winning setIfNotExists calls of 100 concurrent ones (winners ${JSON.stringify(winners)}; exactly one may write)`,
      );
      equal(await c.get('race'), winners[0], "c.get('race')");
    });

    kit.it('concurrent setIfExists on a miss all lose; on a hit all win', async (h) => {
      const c = await h.cache<number>();
      const onMiss = await Promise.all(Array.from({ length: 50 }, (_, i) => c.setIfExists('k', i)));
      assert.ok(
        onMiss.every((w) => !w),
        'no setIfExists wins on a miss',
      );
      equal(await c.has('k'), false, "c.has('k')");
      await c.set('k', -1);
      const onHit = await Promise.all(Array.from({ length: 50 }, (_, i) => c.setIfExists('k', i)));
      assert.ok(
        onHit.every((w) => w),
        'every setIfExists wins over a live entry',
      );
      const final = await c.get('k');
      assert.ok(typeof final === 'number' && final >= 0 && final < 50, 'the value is one of the writes');
    });
  });
}
