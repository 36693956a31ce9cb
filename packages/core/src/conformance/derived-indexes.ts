import assert from 'node:assert/strict';
import { CacheError, isCacheError } from '../errors.js';
import { extendCache } from '../extend.js';
import type { EntryLeaveEvent } from '../middleware.js';
import type { DerivedIndexes, IndexMember } from '../spi.js';
import type { Cache } from '../types.js';
import { deepEqual, equal, sleep, sorted } from './assertions.js';
import type { ConformanceKit, Harness } from './kit.js';

/** The value the group writes: an owner (one index key) and tags (several). */
interface Doc {
  owner: string;
  tags?: string[];
}

/** One call of `overLimit`, as the store made it. */
interface Asked {
  key: string;
  indexName: string;
  indexKey: string;
  others: IndexMember[];
}

/**
 * The kit's index owner: memberships by owner and tags, `by_owner` limited to `max`, and an
 * `overLimit` that records each call and answers what the test scripts (the rule itself is the
 * index owner's; here the kit checks that the store asks at the right moment and applies exactly
 * the answer).
 */
function owner(max: number, answer: (a: Asked) => readonly string[] = () => []) {
  const asked: Asked[] = [];
  const d: DerivedIndexes = {
    names: new Set(['by_owner', 'by_tag']),
    derive(key, value) {
      const v = value as Doc;
      if (v.owner === '!refuse') {
        throw new CacheError('INVALID_VALUE', 'the kit refuses this value', { cacheName: 'kit', op: 'set', key });
      }
      const out = ['by_owner', v.owner];
      for (const t of [...new Set(v.tags ?? [])].sort()) out.push('by_tag', t);
      return out;
    },
    limits: new Map([['by_owner', { max }]]),
    overLimit(key, indexName, indexKey, others) {
      const a = { key, indexName, indexKey, others: [...others].sort((x, y) => (x.key < y.key ? -1 : 1)) };
      asked.push(a);
      return answer(a);
    },
  };
  return { d, asked };
}

/**
 * Hand `d` to `cache`'s store through core's extension host (`extendCache`), the way
 * `@gocache/indexing` does; whether the store took it. For provider tests that drive
 * `Store.deriveIndexes` directly. A cache takes it once.
 */
export function installDerivedIndexes(c: Cache<unknown>, d: DerivedIndexes): boolean {
  let took = false;
  extendCache(c, {
    name: 'kit-derived-indexes',
    install: (host) => {
      took = host.deriveIndexes(d);
      return { members: {} };
    },
  });
  return took;
}

async function members(c: Cache<Doc>, name: string, key: string): Promise<string[]> {
  return sorted(await c.getByIndex(name, key));
}

/** Memberships of `key` as metadata reports them, as sorted "name=indexKey" strings. */
async function held(c: Cache<Doc>, key: string): Promise<string[]> {
  const meta = await c.getMetadata(key);
  return sorted((meta?.indexes ?? []).map((i) => `${i.indexName}=${i.indexKey}`));
}

/** A cache whose store keeps the kit's derived indexes (the group runs only where it claims to). */
async function derivedCache(h: Harness, d: DerivedIndexes, leaves?: EntryLeaveEvent[]): Promise<Cache<Doc>> {
  const c = await h.cache<Doc>(
    leaves === undefined ? {} : { middleware: [{ name: 'kit-leaves', onEntryLeave: (e) => void leaves.push(e) }] },
  );
  assert.equal(
    installDerivedIndexes(c as Cache<unknown>, d),
    true,
    'expected the store to take derived indexes (the provider claims capabilities.derivedIndexes)',
  );
  return c;
}

/**
 * `Store.deriveIndexes`: the store applies the index owner's decisions (memberships of each value,
 * and what a full limited index key does) in each write's atomic step, and never decides itself.
 */
export function derivedIndexesGroup(kit: ConformanceKit): void {
  const caps = kit.capabilities;
  kit.describe('derived indexes', () => {
    kit.it('the derivedIndexes claim matches the store', async (h) => {
      const c = await h.cache<Doc>();
      const took = installDerivedIndexes(c as Cache<unknown>, owner(5).d);
      equal(
        took,
        caps.derivedIndexes === true,
        `whether the store takes derived indexes (Store.deriveIndexes), as capabilities.derivedIndexes claims (${String(caps.derivedIndexes)})`,
      );
    });

    if (caps.derivedIndexes !== true) return;

    kit.it('every write path keeps derived memberships, and memberships in other indexes stay', async (h) => {
      const { d, asked } = owner(100);
      const c = await derivedCache(h, d);
      await c.set('a', { owner: 'ann', tags: ['x', 'y'] });
      await c.setMany([['b', { owner: 'ann' }]]);
      equal(await c.setIfNotExists('n', { owner: 'bob' }), true, 'setIfNotExists of an absent key');
      equal(await c.setIfExists('n', { owner: 'cy' }), true, 'setIfExists of a live key');
      await c.update('u', () => ({ owner: 'cy', tags: ['x'] }));
      await c.getOrSet('g', () => ({ owner: 'dee' }));
      deepEqual(await members(c, 'by_owner', 'ann'), ['a', 'b'], 'by_owner=ann after set and setMany');
      deepEqual(await members(c, 'by_owner', 'bob'), [], 'by_owner=bob after setIfExists moved n to cy');
      deepEqual(await members(c, 'by_owner', 'cy'), ['n', 'u'], 'by_owner=cy after setIfExists and update');
      deepEqual(await members(c, 'by_owner', 'dee'), ['g'], 'by_owner=dee after getOrSet stored its load');
      deepEqual(await members(c, 'by_tag', 'x'), ['a', 'u'], 'by_tag=x');
      await c.addIndex('manual', 'a', 'm');
      await c.set('a', { owner: 'bob' });
      deepEqual(await held(c, 'a'), ['by_owner=bob', 'manual=m'], "a's memberships after a move (manual kept)");
      deepEqual(await members(c, 'by_tag', 'y'), [], 'by_tag=y after a no longer derives it');
      equal(asked.length, 0, 'overLimit calls while no limited index key is full');
    });

    kit.it('a refusal from derive writes nothing', async (h) => {
      const c = await derivedCache(h, owner(100).d);
      await c.set('a', { owner: 'ann' });
      const e = await c.set('a', { owner: '!refuse' }).catch((x: unknown) => x);
      assert.ok(
        isCacheError(e, 'INVALID_VALUE'),
        `expected derive's INVALID_VALUE to reach the caller, got ${String(e)}`,
      );
      deepEqual(await c.get('a'), { owner: 'ann' }, 'the value after a refused write');
      deepEqual(await held(c, 'a'), ['by_owner=ann'], 'the memberships after a refused write');
      await c.set('b', { owner: '!refuse' }).catch(() => {});
      equal(await c.get('b'), undefined, 'a refused write of a new key');
    });

    kit.it(
      'asks overLimit only when a write newly joins a limited key holding max live others, with those members and their createdAt',
      async (h) => {
        const { d, asked } = owner(2);
        const c = await derivedCache(h, d);
        await c.set('a', { owner: 'ann' });
        await h.elapse(h.fake ? 10 : 2);
        await c.set('b', { owner: 'ann' });
        equal(asked.length, 0, 'overLimit calls while by_owner=ann holds fewer than max');
        await h.elapse(h.fake ? 10 : 2);
        await c.set('c', { owner: 'ann' });
        equal(asked.length, 1, 'overLimit calls once c joins a by_owner=ann holding max (2) others');
        const [ma, mb] = [await c.getMetadata('a'), await c.getMetadata('b')];
        deepEqual(
          asked[0],
          {
            key: 'c',
            indexName: 'by_owner',
            indexKey: 'ann',
            others: [
              { key: 'a', createdAt: ma?.createdAt },
              { key: 'b', createdAt: mb?.createdAt },
            ],
          },
          'the overLimit call (the key written, the limited index key, and its live others with createdAt as getMetadata reports it)',
        );
        // The kit's owner answered []: the store applies that (nothing removed), it does not decide.
        deepEqual(await members(c, 'by_owner', 'ann'), ['a', 'b', 'c'], 'by_owner=ann after an answer of []');
        // Re-writes of members, and writes that join other (unlimited) keys, never ask.
        await c.set('b', { owner: 'ann', tags: ['t'] });
        await c.set('c', { owner: 'ann' });
        await c.set('z', { owner: 'zed', tags: ['t'] });
        equal(asked.length, 1, 'overLimit calls after re-writes of members and writes elsewhere');
        // Only live members count: an expired one is not among the others.
        await c.set('p', { owner: 'pat' }, h.shortTtl);
        await c.set('q', { owner: 'pat' });
        await h.expireShort();
        await c.set('r', { owner: 'pat' });
        equal(asked.length, 1, 'overLimit calls when by_owner=pat holds one live other (one expired)');
        deepEqual(await members(c, 'by_owner', 'pat'), ['q', 'r'], 'by_owner=pat after p expired and r joined');
      },
    );

    kit.it('a throw from overLimit refuses the write: nothing is written, the error reaches the caller', async (h) => {
      const refuse = () => {
        throw new CacheError('ACCESS_DENIED', 'full (kit)', { cacheName: 'kit', op: 'set' });
      };
      const { d, asked } = owner(1, refuse);
      const c = await derivedCache(h, d);
      await c.set('a', { owner: 'ann' });
      await c.set('m', { owner: 'bob', tags: ['x'] });
      for (const [what, write] of [
        ['set', () => c.set('n', { owner: 'ann' })],
        ['setMany', () => c.setMany([['n', { owner: 'ann' }]])],
        ['setIfNotExists', () => c.setIfNotExists('n', { owner: 'ann' })],
        ['update', () => c.update('n', () => ({ owner: 'ann' }))],
        ['a move of m', () => c.set('m', { owner: 'ann' })],
      ] as const) {
        const e = await (write as () => Promise<unknown>)().catch((x: unknown) => x);
        assert.ok(
          isCacheError(e, 'ACCESS_DENIED') || (isCacheError(e) && isCacheError(e.cause, 'ACCESS_DENIED')),
          `expected ${what} into a full limited key to be refused with overLimit's error, got ${String(e)}`,
        );
        equal(await c.get('n'), undefined, `n after a refused ${what}`);
        deepEqual(await c.get('m'), { owner: 'bob', tags: ['x'] }, `m's value after a refused ${what}`);
        deepEqual(await held(c, 'm'), ['by_owner=bob', 'by_tag=x'], `m's memberships after a refused ${what}`);
        deepEqual(await members(c, 'by_owner', 'ann'), ['a'], `by_owner=ann after a refused ${what}`);
      }
      assert.ok(
        asked.length >= 5,
        `expected overLimit to be asked for each refused write, asked ${asked.length} times`,
      );
    });

    kit.it('removes exactly the entries overLimit returns, with all their memberships, reason deleted', async (h) => {
      const leaves: EntryLeaveEvent[] = [];
      const { d } = owner(2, (a) => a.others.filter((o) => o.key === 'b').map((o) => o.key));
      const c = await derivedCache(h, d, leaves);
      await c.set('a', { owner: 'ann' });
      await c.set('b', { owner: 'ann', tags: ['t'] });
      await c.set('c', { owner: 'ann' });
      equal(await c.get('b'), undefined, 'b, the entry overLimit gave up');
      deepEqual(await c.get('a'), { owner: 'ann' }, 'a, not given up (the store does not pick victims itself)');
      deepEqual(await c.get('c'), { owner: 'ann' }, 'c, the entry written');
      deepEqual(await members(c, 'by_owner', 'ann'), ['a', 'c'], 'by_owner=ann after the removal');
      deepEqual(await members(c, 'by_tag', 't'), [], "by_tag=t after b's removal (all its memberships go)");
      equal(await c.getMetadata('b'), undefined, "b's metadata after its removal");
      await sleep(0);
      const gone = leaves.filter((e) => e.key === 'b');
      if (caps.referenceValues || gone.length > 0) {
        deepEqual(
          gone.map((e) => e.reason),
          ['deleted'],
          "b's leave events (an entry an index limit pushed out leaves as 'deleted')",
        );
      }
    });
  });
}
