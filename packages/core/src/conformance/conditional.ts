import assert from 'node:assert/strict';
import type { ConformanceKit } from './kit.js';

/** setIfNotExists / setIfExists: results, TTLs, atomicity under concurrency. */
export function conditionalGroup(kit: ConformanceKit): void {
  kit.describe('conditional writes', () => {
    kit.it('setIfNotExists writes only on a miss', async (h) => {
      const c = await h.cache();
      assert.equal(await c.setIfNotExists('k', 1), true);
      assert.equal(await c.setIfNotExists('k', 2), false);
      assert.equal(await c.get('k'), 1, 'the losing write changed nothing');
      await c.set('n', null);
      assert.equal(await c.setIfNotExists('n', 3), false, 'a stored null counts as existing');
    });

    kit.it('setIfExists writes only over a live entry', async (h) => {
      const c = await h.cache();
      assert.equal(await c.setIfExists('k', 1), false);
      assert.equal(await c.has('k'), false, 'setIfExists on a miss wrote nothing');
      await c.set('k', 1);
      assert.equal(await c.setIfExists('k', 2), true);
      assert.equal(await c.get('k'), 2);
    });

    kit.it('conditional writes honour their TTL', async (h) => {
      const c = await h.cache();
      await c.setIfNotExists('a', 1, h.shortTtl);
      await c.set('b', 1);
      await c.setIfExists('b', 2, { ttl: h.shortTtl });
      await h.expireShort();
      assert.equal(await c.has('a'), false);
      assert.equal(await c.has('b'), false);
    });

    kit.it('exactly one of 100 concurrent setIfNotExists wins, and its value is stored', async (h) => {
      const c = await h.cache<number>();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => c.setIfNotExists('race', i)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1, `winners: ${JSON.stringify(winners)}`);
      assert.equal(await c.get('race'), winners[0]);
    });

    kit.it('concurrent setIfExists on a miss all lose; on a hit all win', async (h) => {
      const c = await h.cache<number>();
      const onMiss = await Promise.all(Array.from({ length: 50 }, (_, i) => c.setIfExists('k', i)));
      assert.ok(
        onMiss.every((w) => !w),
        'no setIfExists wins on a miss',
      );
      assert.equal(await c.has('k'), false);
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
