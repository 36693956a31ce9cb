import { CacheError, createCache, type DerivedIndexes, type IndexMember, isCacheError } from '@gocache/core';
import { installDerivedIndexes as useDerived } from '@gocache/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { ioredisCommands } from '../src/adapters/ioredis.js';
import { redisProvider } from '../src/index.js';
import { KeyLayout } from '../src/key-layout.js';
import { FIELD } from '../src/protocol.js';
import { providerOverCommands } from '../src/provider.js';
import { dropPrefix, ioredisClient, testPrefix } from './clients.js';

const io = await ioredisClient();
const prefix = testPrefix();

afterAll(async () => {
  await dropPrefix(io, prefix);
  io.disconnect();
});

interface Session {
  user: string;
  role?: string;
}

/** The index owner's limit decision (the store only asks and applies it). */
type Decide = DerivedIndexes['overLimit'];

/** A decision that refuses every write into a full index key. */
const refuse: Decide = (key, indexName, indexKey) => {
  throw new CacheError('ACCESS_DENIED', `limit of ${indexName}/${indexKey}`, { cacheName: 'd', op: 'set', key });
};

/** A decision that removes the oldest others (by createdAt) down to `max` with the new entry. */
function oldestOf(max: number): Decide {
  return (_key, _name, _ik, others) =>
    [...others]
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, others.length + 1 - max)
      .map((o) => o.key);
}

function plan(limits: DerivedIndexes['limits'] = new Map(), overLimit: Decide = refuse): DerivedIndexes {
  return {
    names: new Set(['by_user', 'by_role']),
    derive: (_key, value) => {
      const s = value as Session;
      if (s.user === 'boom') throw new CacheError('INVALID_VALUE', 'no user', { cacheName: 'd', op: 'derive' });
      const pairs = ['by_user', s.user];
      if (s.role !== undefined) pairs.unshift('by_role', s.role);
      return pairs;
    },
    limits,
    overLimit,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('derived indexes (single server: atomic with each write)', () => {
  it('every write replaces the managed memberships and leaves other indexes alone', async () => {
    const c = createCache<Session>(redisProvider({ client: io, prefix }), { name: 'derived' });
    expect(useDerived(c, plan())).toBe(true);
    await c.set('s1', { user: 'ada', role: 'admin' });
    await c.addIndex('manual', 's1', 'x');
    expect(await c.getByIndex('by_user', 'ada')).toEqual(['s1']);
    expect(await c.getByIndex('by_role', 'admin')).toEqual(['s1']);
    await c.set('s1', { user: 'grace' });
    expect(await c.getByIndex('by_user', 'ada')).toEqual([]);
    expect(await c.getByIndex('by_role', 'admin')).toEqual([]);
    expect(await c.getByIndex('by_user', 'grace')).toEqual(['s1']);
    expect(await c.getByIndex('manual', 'x')).toEqual(['s1']);
    await c.update('s1', (s) => ({ ...s!, user: 'linus' }));
    expect(await c.getByIndex('by_user', 'linus')).toEqual(['s1']);
    expect(await c.setIfNotExists('s2', { user: 'linus' })).toBe(true);
    await c.setMany([['s3', { user: 'linus', role: 'ops' }]]);
    expect((await c.getByIndex('by_user', 'linus')).sort()).toEqual(['s1', 's2', 's3']);
    await expect(c.set('s4', { user: 'boom' })).rejects.toSatisfy((e) => isCacheError(e, 'INVALID_VALUE'));
    expect(await c.has('s4')).toBe(false);
    await c.close();
  });

  it('a decision that throws refuses the write, which writes nothing', async () => {
    const c = createCache<Session>(redisProvider({ client: io, prefix }), { name: 'derived-reject' });
    useDerived(c, plan(new Map([['by_user', { max: 2 }]])));
    await c.set('a', { user: 'u' });
    await c.set('b', { user: 'u' });
    await expect(c.set('c', { user: 'u' })).rejects.toSatisfy((e) => isCacheError(e, 'ACCESS_DENIED'));
    expect(await c.has('c')).toBe(false);
    await c.set('a', { user: 'u', role: 'r' }); // an existing member may be rewritten
    expect((await c.getByIndex('by_user', 'u')).sort()).toEqual(['a', 'b']);
    await c.close();
  });

  it('the members a decision names are removed with the write, with all their memberships, and reported', async () => {
    const evicted: string[] = [];
    const asked: [string, string, string, IndexMember[]][] = [];
    const c = createCache<Session>(redisProvider({ client: io, prefix }), {
      name: 'derived-evict',
      hooks: { onEvict: ({ key }) => void evicted.push(key) },
    });
    const oldest = oldestOf(2);
    useDerived(
      c,
      plan(new Map([['by_user', { max: 2 }]]), (key, name, ik, others) => {
        asked.push([key, name, ik, [...others]]);
        return oldest(key, name, ik, others);
      }),
    );
    for (const k of ['s1', 's2', 's3', 's4']) {
      await c.set(k, k === 's1' ? { user: 'u', role: 'admin' } : { user: 'u' });
      await sleep(3); // distinct creation times
    }
    // Asked once per write into the full key, with its live others and their createdAt.
    const created = async (k: string) => (await c.getMetadata(k))!.createdAt;
    expect(asked.map(([k, n, ik, o]) => [k, n, ik, o.map((m) => m.key).sort()])).toEqual([
      ['s3', 'by_user', 'u', ['s1', 's2']],
      ['s4', 'by_user', 'u', ['s2', 's3']],
    ]);
    expect(asked[1]![3].find((m) => m.key === 's3')!.createdAt).toBe(await created('s3'));
    expect((await c.getByIndex('by_user', 'u')).sort()).toEqual(['s3', 's4']);
    expect(await c.has('s1')).toBe(false);
    expect(await c.has('s2')).toBe(false);
    expect(evicted).toEqual(['s1', 's2']);
    const layout = new KeyLayout(prefix, 'derived-evict');
    expect(await io.zcard(layout.index('by_user', 'u'))).toBe(2);
    expect(await io.exists(layout.index('by_role', 'admin'))).toBe(0); // s1's other membership went with it
    await c.close();
  });

  /** Plant a live member of `by_user:u` the way another process's write would leave it. */
  async function plant(layout: KeyLayout, key: string, created: number): Promise<void> {
    // Both sent at once: from inside a decision they reach Redis before the store's next call.
    await Promise.all([
      io.hset(layout.entry(key), {
        [FIELD.value]: 'x',
        [FIELD.created]: String(created),
        [FIELD.version]: 'v',
        [FIELD.expires]: '-1',
        [FIELD.derived]: ' by_user:u ',
        [FIELD.derivedScore]: 'inf',
      }),
      io.zadd(layout.index('by_user', 'u'), 'inf', key),
    ]);
  }

  it('a set that changed before the decision arrived is decided again, on its new members', async () => {
    const layout = new KeyLayout(prefix, 'derived-race');
    const c = createCache<Session>(redisProvider({ client: io, prefix }), { name: 'derived-race' });
    const asked: string[][] = [];
    const oldest = oldestOf(2);
    useDerived(
      c,
      plan(new Map([['by_user', { max: 2 }]]), (key, name, ik, others) => {
        asked.push(others.map((m) => m.key).sort());
        // Another process joins while this one decides (its commands reach Redis first).
        if (asked.length === 1) void plant(layout, 'late', 1);
        return oldest(key, name, ik, others);
      }),
    );
    await plant(layout, 'a', 100);
    await plant(layout, 'b', 200);
    await c.set('c', { user: 'u' });
    expect(asked).toEqual([
      ['a', 'b'],
      ['a', 'b', 'late'],
    ]);
    expect((await c.getByIndex('by_user', 'u')).sort()).toEqual(['b', 'c']);
    await c.close();
  });

  it('gives up with CONFLICT after eight decisions the sets kept outrunning, having written nothing', async () => {
    const layout = new KeyLayout(prefix, 'derived-conflict');
    const c = createCache<Session>(redisProvider({ client: io, prefix }), { name: 'derived-conflict' });
    let n = 0;
    useDerived(
      c,
      plan(new Map([['by_user', { max: 1 }]]), () => {
        void plant(layout, `late${n++}`, 1);
        return [];
      }),
    );
    await plant(layout, 'a', 100);
    await expect(c.set('c', { user: 'u' })).rejects.toSatisfy((e) => isCacheError(e, 'CONFLICT'));
    expect(n).toBe(8);
    expect(await c.has('c')).toBe(false);
    expect(await io.zscore(layout.index('by_user', 'u'), 'c')).toBeNull();
    await c.close();
  });

  it('one reply names every full set; setMany decides per entry, each against what the earlier ones left', async () => {
    const c = createCache<Session>(redisProvider({ client: io, prefix }), { name: 'derived-many' });
    const asked: string[] = [];
    useDerived(
      c,
      plan(
        new Map([
          ['by_user', { max: 1 }],
          ['by_role', { max: 1 }],
        ]),
        (key, name, ik, others) => {
          asked.push(`${key} ${name}/${ik}: ${others.map((m) => m.key).join(',')}`);
          return others.map((m) => m.key);
        },
      ),
    );
    await c.set('a', { user: 'u' });
    await c.set('b', { user: 'v', role: 'r' });
    await c.set('c', { user: 'u', role: 'r' }); // both of its sets are full: one reply asks for both
    expect(asked).toEqual(['c by_role/r: b', 'c by_user/u: a']);
    expect(await c.has('a')).toBe(false);
    expect(await c.has('b')).toBe(false);
    asked.length = 0;
    await c.setMany([
      ['d', { user: 'u' }],
      ['e', { user: 'u' }],
    ]);
    // e saw c in the pipeline too; that decision is stale once d has replaced c, so e is asked again.
    expect(asked).toEqual(['d by_user/u: c', 'e by_user/u: c', 'e by_user/u: d']);
    expect(await c.getByIndex('by_user', 'u')).toEqual(['e']);
    await c.close();
  });

  it('is not offered on a cluster, where an entry and its index sets live in different slots', async () => {
    const c = createCache<Session>(
      providerOverCommands({ ...ioredisCommands(io), isCluster: true }, { client: io, prefix }),
      { name: 'derived-cluster' },
    );
    expect(useDerived(c, plan())).toBe(false);
    await c.close();
  });
});

describe('derived index storage (a member scored at or above its expiry)', () => {
  const provider = redisProvider({ client: io, prefix });
  function cacheOf(name: string, limits?: DerivedIndexes['limits'], overLimit?: Decide) {
    const c = createCache<Session>(provider, { name });
    useDerived(c, plan(limits, overLimit));
    return { c, layout: new KeyLayout(prefix, name) };
  }
  const pexpiretime = async (key: string) => Number(await io.call('PEXPIRETIME', key));

  it('a re-write within the bound leaves the index sets alone; the score stays at or above the expiry', async () => {
    const { c, layout } = cacheOf('ds-keep');
    const idx = layout.index('by_user', 'u');
    await c.set('s', { user: 'u' }, 60_000);
    const score = Number(await io.zscore(idx, 's'));
    expect(score).toBeGreaterThanOrEqual(await pexpiretime(layout.entry('s')));
    expect(await pexpiretime(idx)).toBeGreaterThanOrEqual(score);
    await sleep(5);
    await c.set('s', { user: 'u' }, 60_000); // a session refreshed by a request
    expect(Number(await io.zscore(idx, 's'))).toBe(score);
    expect(score).toBeGreaterThanOrEqual(await pexpiretime(layout.entry('s')));
    expect(await c.getByIndex('by_user', 'u')).toEqual(['s']);
    expect((await c.getMetadata('s'))?.indexes).toEqual([{ indexName: 'by_user', indexKey: 'u' }]);
    await c.close();
  });

  it('a move takes the member out of the old set in the same script, not later by a read', async () => {
    const { c, layout } = cacheOf('ds-move');
    await c.set('s', { user: 'u', role: 'r' }, 60_000);
    await c.set('s', { user: 'w', role: 'r' }, 60_000);
    expect(await io.zscore(layout.index('by_user', 'u'), 's')).toBeNull();
    expect(await io.exists(layout.index('by_user', 'u'))).toBe(0);
    expect(await io.zscore(layout.index('by_user', 'w'), 's')).not.toBeNull();
    expect(await io.zscore(layout.index('by_role', 'r'), 's')).not.toBeNull();
    expect(await io.hget(layout.entry('s'), 'd')).toBe(' by_role:r by_user:w ');
    await c.close();
  });

  it('a longer TTL re-scores the member and extends its sets', async () => {
    const { c, layout } = cacheOf('ds-extend');
    const idx = layout.index('by_user', 'u');
    await c.set('s', { user: 'u' }, 200);
    await c.set('s', { user: 'u' }, 60_000);
    const exp = await pexpiretime(layout.entry('s'));
    expect(Number(await io.zscore(idx, 's'))).toBeGreaterThanOrEqual(exp);
    expect(await pexpiretime(idx)).toBeGreaterThanOrEqual(exp);
    await sleep(400); // past the first expiry and its slack
    expect(await c.getByIndex('by_user', 'u')).toEqual(['s']);
    await c.close();
  });

  it('a much shorter TTL re-scores the member, so it does not linger after the entry', async () => {
    const { c, layout } = cacheOf('ds-shorten');
    const idx = layout.index('by_user', 'u');
    await c.set('s', { user: 'u' }, 3_600_000);
    await c.set('s', { user: 'u' }, 100);
    const exp = await pexpiretime(layout.entry('s'));
    const score = Number(await io.zscore(idx, 's'));
    expect(score).toBeGreaterThanOrEqual(exp);
    expect(score).toBeLessThanOrEqual(exp + 50); // the slack of a 100 ms TTL is 25 ms
    await c.close();
  });

  it('no expiry, then one: the sets get an expiry and vanish with the entry; and back', async () => {
    const { c, layout } = cacheOf('ds-bound');
    const idx = layout.index('by_user', 'u');
    await c.set('s', { user: 'u' });
    expect(await io.zscore(idx, 's')).toBe('inf');
    expect(await io.pttl(idx)).toBe(-1);
    await c.set('s', { user: 'u' }, 80);
    expect(await io.pttl(idx)).toBeGreaterThan(0);
    await sleep(250);
    expect(await io.exists(idx)).toBe(0); // gone without a read touching it

    await c.set('t', { user: 'u' }, 100);
    await c.set('t', { user: 'u' });
    expect(await io.zscore(idx, 't')).toBe('inf');
    expect(await io.pttl(idx)).toBe(-1);
    await sleep(200);
    expect(await c.getByIndex('by_user', 'u')).toEqual(['t']);
    await c.close();
  });

  it('a set that is only ever joined does not keep the dead members of earlier rounds', async () => {
    const { c, layout } = cacheOf('ds-churn');
    const idx = layout.index('by_user', 'u');
    await c.set('keeper', { user: 'u' }, 60_000); // keeps the set itself alive throughout
    for (let round = 0; round < 4; round++) {
      if (round > 0) await sleep(250); // the previous round's entries and their slack have passed
      // One at a time: the writes span more than 8 ms of the writer's clock, so some prune.
      for (let i = 0; i < 150; i++) await c.set(`r${round}:${i}`, { user: 'u' }, 100);
    }
    // Earlier rounds were pruned by joins of the last: at most its own members remain.
    expect(await io.zcard(idx)).toBeLessThanOrEqual(151);
    await sleep(250);
    expect(await c.getByIndex('by_user', 'u')).toEqual(['keeper']);
    expect(await io.zcard(idx)).toBe(1);
    await c.close();
  });

  it('a limit counts live members only, not ones whose entry is gone before their score', async () => {
    const { c, layout } = cacheOf('ds-reject', new Map([['by_user', { max: 2 }]]));
    await c.set('a', { user: 'u' }, 60_000);
    await c.set('b', { user: 'u' }, 60_000);
    await expect(c.set('c', { user: 'u' })).rejects.toSatisfy((e) => isCacheError(e, 'ACCESS_DENIED'));
    await io.unlink(layout.entry('a')); // as if it had expired while its score is still ahead
    await c.set('c', { user: 'u' });
    expect((await c.getByIndex('by_user', 'u')).sort()).toEqual(['b', 'c']);
    expect(await io.zcard(layout.index('by_user', 'u'))).toBe(2);
    await c.close();
  });

  it('a decision never removes a key that is no longer in the set (a member left by an earlier life)', async () => {
    const { c, layout } = cacheOf('ds-evict', new Map([['by_user', { max: 2 }]]), oldestOf(2));
    await c.set('a', { user: 'u' }, 60_000);
    await io.unlink(layout.entry('a')); // expired, its member still scored ahead...
    await c.set('a', { user: 'v' }); // ...and written again, for another user
    await sleep(3);
    await c.set('b', { user: 'u' });
    await sleep(3);
    await c.set('c', { user: 'u' });
    expect(await c.get('a')).toEqual({ user: 'v' });
    expect((await c.getByIndex('by_user', 'u')).sort()).toEqual(['b', 'c']);
    expect(await c.getByIndex('by_user', 'v')).toEqual(['a']);
    await c.close();
  });

  it('a derived membership removed by hand comes back with the next write', async () => {
    const { c } = cacheOf('ds-manual');
    await c.set('s', { user: 'u' });
    await c.removeIndex('by_user', 's', 'u');
    expect(await c.getByIndex('by_user', 'u')).toEqual([]);
    await c.set('s', { user: 'u' });
    expect(await c.getByIndex('by_user', 'u')).toEqual(['s']);
    await c.close();
  });

  it('a cache of the same name without those indexes keeps the memberships, scored within the bound', async () => {
    const { c, layout } = cacheOf('ds-mixed');
    const plain = createCache<Session>(provider, { name: 'ds-mixed' });
    await c.set('s', { user: 'u' });
    await plain.set('s', { user: 'x' }, 60_000);
    const idx = layout.index('by_user', 'u');
    const exp = await pexpiretime(layout.entry('s'));
    expect(Number(await io.zscore(idx, 's'))).toBeGreaterThanOrEqual(exp);
    expect(Number(await io.zscore(idx, 's'))).toBeLessThanOrEqual(exp + 15_000);
    expect(await c.getByIndex('by_user', 'u')).toEqual(['s']);
    await c.set('s', { user: 'y' }, 60_000); // the cache that derives them takes over again
    expect(await c.getByIndex('by_user', 'u')).toEqual([]);
    expect(await c.getByIndex('by_user', 'y')).toEqual(['s']);
    await plain.close();
    await c.close();
  });
});
