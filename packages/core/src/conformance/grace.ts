import assert from 'node:assert/strict';
import { isCacheError } from '../errors.js';
import { eventually, sleep } from './assertions.js';
import type { ConformanceKit } from './kit.js';

/** `getOrSet(…, { grace, softTimeout, hardTimeout })`: stale-while-revalidate and fail-safe. */
export function graceGroup(kit: ConformanceKit): void {
  kit.describe('grace (stale-while-revalidate)', () => {
    kit.it(
      'after ttl, within grace: getOrSet serves the stale value at once and one refresh replaces it',
      async (h) => {
        const c = await h.cache<string>();
        const opts = { ttl: h.shortTtl, grace: 60_000 };
        assert.equal(await c.getOrSet('k', () => 'v1', opts), 'v1', 'expected the first getOrSet to load v1');
        await h.expireShort();
        let loads = 0;
        const loader = async () => {
          loads++;
          await sleep(20);
          return 'v2';
        };
        const served = await Promise.all(Array.from({ length: 8 }, () => c.getOrSet('k', loader, opts)));
        assert.deepEqual(
          served,
          Array(8).fill('v1'),
          'expected every caller within grace to get the stale value at once',
        );
        const refreshed = await eventually(async () => (await c.get('k')) === 'v2', 3_000);
        assert.ok(refreshed, 'expected the background refresh to store v2 within 3 s');
        assert.equal(loads, 1, `expected exactly 1 refresh for 8 concurrent stale reads, got ${loads}`);
      },
    );

    kit.it('plain reads never return a value past its ttl, even within grace', async (h) => {
      const c = await h.cache<string>();
      await c.getOrSet('k', () => 'old', { ttl: h.shortTtl, grace: 60_000 });
      assert.equal(await c.get('k'), 'old', 'expected the value before its ttl');
      await h.expireShort();
      assert.equal(await c.get('k'), undefined, 'expected get to miss past ttl (grace is for getOrSet only)');
      assert.equal(await c.has('k'), false, 'expected has false past ttl');
      assert.equal(await c.getMetadata('k'), undefined, 'expected no metadata past ttl');
      assert.equal((await c.getMany(['k'])).size, 0, 'expected getMany to miss past ttl');
      assert.equal(await c.setIfNotExists('k', 'new'), true, 'expected setIfNotExists to write over a stale value');
      assert.equal(await c.get('k'), 'new', 'expected the new value');
    });

    kit.it('fail-safe: a refresh whose loader fails keeps the stale value served', async (h) => {
      const c = await h.cache<string>();
      const opts = { ttl: h.shortTtl, grace: 60_000 };
      await c.getOrSet('k', () => 'good', opts);
      await h.expireShort();
      const failing = () => {
        throw new Error('backend down');
      };
      assert.equal(await c.getOrSet('k', failing, opts), 'good', 'expected the stale value while the refresh fails');
      await sleep(50);
      assert.equal(
        await c.getOrSet('k', failing, opts),
        'good',
        'expected the stale value still served after a failed refresh',
      );
    });

    kit.it('a delete during a refresh wins: the refreshed value is not stored', async (h) => {
      const c = await h.cache<string>();
      const opts = { ttl: h.shortTtl, grace: 60_000 };
      await c.getOrSet('k', () => 'v1', opts);
      await h.expireShort();
      let release!: (v: string) => void;
      let started = false;
      const slow = () =>
        new Promise<string>((r) => {
          started = true;
          release = r;
        });
      assert.equal(await c.getOrSet('k', slow, opts), 'v1', 'expected the stale value');
      assert.ok(await eventually(async () => started, 3_000), 'expected the refresh loader to start');
      assert.equal(await c.delete('k'), true, 'expected delete of the stale entry to report a removal');
      release('v2');
      await sleep(100);
      assert.equal(await c.get('k'), undefined, 'expected the refresh that a delete overtook to store nothing');
    });

    kit.it('hardTimeout rejects a slow loader with TIMEOUT', async (h) => {
      const c = await h.cache<string>();
      const slow = () => new Promise<string>((r) => setTimeout(() => r('late'), 500));
      await assert.rejects(
        c.getOrSet('k', slow, { ttl: 60_000, hardTimeout: 20 }),
        (e) => isCacheError(e, 'TIMEOUT'),
        'expected a loader slower than hardTimeout to reject with TIMEOUT',
      );
      assert.equal(await c.get('k'), undefined, 'expected nothing stored by a timed-out load');
    });

    if (kit.capabilities.distributed) {
      kit.it('across processes: one refresh per key, and a removal in another process wins', async (h) => {
        const a = await h.cache<string>();
        const b = await h.peerCache<string>({ name: a.name });
        const opts = { ttl: h.shortTtl, grace: 60_000 };
        await a.getOrSet('k', () => 'v1', opts);
        await h.expireShort();
        let loads = 0;
        const loader = async () => {
          loads++;
          await sleep(50);
          return 'v2';
        };
        const served = await Promise.all([
          ...Array.from({ length: 4 }, () => a.getOrSet('k', loader, opts)),
          ...Array.from({ length: 4 }, () => b.getOrSet('k', loader, opts)),
        ]);
        assert.deepEqual(served, Array(8).fill('v1'), 'expected both processes to serve the stale value at once');
        assert.ok(await eventually(async () => (await b.get('k')) === 'v2', 3_000), 'expected the refresh stored');
        assert.equal(loads, 1, `expected exactly 1 refresh across two processes, got ${loads}`);
      });
    }
  });
}
