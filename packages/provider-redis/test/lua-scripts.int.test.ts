import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePart } from '../src/key-codec.js';
import { KeyLayout } from '../src/key-layout.js';
import { argv, FIELD } from '../src/protocol.js';
import { FLIGHTS_ADD, type LuaScript, MARK_BEGIN, MARK_EXTEND, TOUCH, WRITE } from '../src/scripts.js';
import { startRedisServer } from '../src/testing/index.js';
import { expiresOf } from '../src/write-path.js';

// The scripts on their own, against a throwaway server: every write mode (and touch) over every
// state an entry can be in, set up with plain commands (not through the scripts under test).
const server = await startRedisServer();
const io = new Redis(server.url, { lazyConnect: true });
await io.connect();

afterAll(async () => {
  io.disconnect();
  await server.stop();
});

type State = 'absent' | 'plain' | 'indexed' | 'derived' | 'expired' | 'foreign';
type Mode = 'set' | 'nx' | 'xx' | 'cas' | 'cas-stale' | 'fence' | 'fence-lost' | 'mark' | 'mark-lost' | 'touch';
const STATES: State[] = ['absent', 'plain', 'indexed', 'derived', 'expired', 'foreign'];
const MODES: Mode[] = ['set', 'nx', 'xx', 'cas', 'cas-stale', 'fence', 'fence-lost', 'mark', 'mark-lost', 'touch'];
const OLD_TTL = 60_000;
const NEW_TTL = 600_000;
/** FIELD.expires as the writer would send it with NEW_TTL (the writer's clock is the script's `now`). */
const NEW_EXPIRES = expiresOf(5_000, String(NEW_TTL));

/** What each mode does in each state: 1 written (touched), 0 refused, 'error' foreign data refused. */
function expected(mode: Mode, state: State): 0 | 1 | 'error' {
  const live = state === 'plain' || state === 'indexed' || state === 'derived';
  switch (mode) {
    case 'set':
    case 'cas':
    case 'fence':
    case 'mark':
      return 1;
    case 'nx':
      return state === 'foreign' ? 'error' : live ? 0 : 1;
    case 'xx':
      return state === 'foreign' ? 'error' : live ? 1 : 0;
    case 'cas-stale':
      return state === 'foreign' ? 'error' : 0;
    case 'fence-lost':
    case 'mark-lost':
      return 0;
    case 'touch':
      return live ? 1 : 0;
  }
}

let n = 0;
function fixture() {
  const layout = new KeyLayout('lt', `c${n++}`);
  const key = 'k:1';
  return {
    layout,
    key,
    entry: layout.entry(key),
    member: encodePart(key),
    idx: layout.index('by_tag', 'a'),
    didx: layout.index('by_user', 'u'),
  };
}
type Fixture = ReturnType<typeof fixture>;

async function setUp(f: Fixture, state: State): Promise<void> {
  const fields = {
    [FIELD.value]: 'old',
    [FIELD.created]: '1000',
    [FIELD.updated]: '2000',
    [FIELD.size]: '3',
    [FIELD.version]: 'v0',
    [FIELD.expires]: '9000',
  };
  if (state === 'absent') return;
  if (state === 'foreign') {
    await io.set(f.entry, 'not ours');
    return;
  }
  await io.hset(f.entry, fields);
  await io.pexpire(f.entry, OLD_TTL);
  const exp = await io.pexpiretime(f.entry);
  if (state === 'indexed' || state === 'expired') {
    await io.hset(f.entry, `${FIELD.refPrefix}${f.idx}`, '1', FIELD.hasRefs, '1');
    await io.zadd(f.idx, exp, f.member);
    await io.pexpireat(f.idx, exp); // a set expires with its longest-lived member
  }
  if (state === 'derived') {
    await io.hset(f.entry, FIELD.derived, ' by_user:u ', FIELD.derivedScore, String(exp + 15_000));
    await io.zadd(f.didx, exp + 15_000, f.member);
    await io.pexpireat(f.didx, exp + 15_000);
  }
  if (state === 'expired') {
    // Expired after everything was written (a write to an expired key would create a new one).
    await io.pexpire(f.entry, 1);
    await sleep(10);
  }
}

function reply(r: unknown): unknown {
  if (Buffer.isBuffer(r)) return r.toString();
  if (Array.isArray(r)) return r.map(reply);
  return r;
}

async function run(script: LuaScript, keys: string[], args: (string | Buffer)[]): Promise<unknown> {
  return reply(await io.callBuffer('EVAL', script.source, String(keys.length), ...keys, ...args));
}

async function call(f: Fixture, mode: Mode, state: State, inline: '1' | '0'): Promise<unknown> {
  if (mode === 'touch')
    return run(TOUCH, [f.entry], argv('touch', { ttl: String(NEW_TTL), expires: NEW_EXPIRES, inline }));
  let guard: string | undefined;
  let token = '';
  let expectedVersion = '';
  let m: string = mode;
  if (mode === 'cas' || mode === 'cas-stale') {
    m = 'cas';
    guard = f.layout.updateTicket(f.key);
    if (mode === 'cas-stale') expectedVersion = 'stale';
    else if (state === 'foreign') expectedVersion = '!foreign';
    else if (state === 'plain' || state === 'indexed' || state === 'derived') expectedVersion = 'v0';
  }
  if (mode === 'fence' || mode === 'fence-lost') {
    m = 'fence';
    guard = f.layout.lock(f.key);
    token = 'me';
    await io.set(guard, mode === 'fence' ? 'me' : 'someone else', 'PX', 10_000);
  }
  if (mode === 'mark' || mode === 'mark-lost') {
    m = 'mark';
    guard = f.layout.marker(f.key);
    token = 'me';
    await run(MARK_BEGIN, [guard], argv('markBegin', { token: mode === 'mark' ? 'me' : 'other', ttl: '10000' }));
  }
  // A value-derived write of the derived entry keeps its memberships.
  const derived = state === 'derived' ? { plan: '-\nby_user - e\n', sig: ' by_user:u ' } : {};
  const args = argv('write', {
    mode: m,
    value: Buffer.from('new'),
    ttl: String(NEW_TTL),
    expires: NEW_EXPIRES,
    version: 'v1',
    expected: expectedVersion,
    token,
    now: '5000',
    inline,
    ...derived,
  });
  return run(WRITE, guard === undefined ? [f.entry] : [f.entry, guard], args);
}

describe('Lua scripts, run directly: every mode × every entry state', () => {
  for (const inline of ['1', '0'] as const) {
    for (const mode of MODES) {
      for (const state of STATES) {
        const want = expected(mode, state);
        it(`${inline === '1' ? 'single server' : 'cluster'}: ${mode} over ${state} → ${want}`, async () => {
          const f = fixture();
          await setUp(f, state);
          const before = await io.pexpiretime(f.entry);
          let r: unknown;
          try {
            r = await call(f, mode, state, inline);
          } catch (e) {
            r = e;
          }
          if (want === 'error') {
            expect(String(r)).toMatch(/WRONGTYPE/);
            expect(await io.get(f.entry)).toBe('not ours'); // left alone
            return;
          }
          const first = Array.isArray(r) ? r[0] : r;
          expect(first).toBe(want);
          const h = state === 'foreign' && want === 0 ? {} : await io.hgetall(f.entry);
          const exp = await io.pexpiretime(f.entry);
          const live = state === 'plain' || state === 'indexed' || state === 'derived';
          if (want === 0) {
            // Nothing changed.
            if (live) expect([h[FIELD.value], h[FIELD.version], exp]).toEqual(['old', 'v0', before]);
            else if (state === 'foreign') expect(await io.get(f.entry)).toBe('not ours');
            else expect(await io.exists(f.entry)).toBe(0);
            return;
          }
          // Written or touched: the new expiry, every time.
          expect(exp - Date.now()).toBeGreaterThan(NEW_TTL - 5_000);
          if (mode === 'touch') {
            expect([h[FIELD.value], h[FIELD.version], h[FIELD.updated], h[FIELD.created]]).toEqual([
              'old',
              'v0',
              '2000',
              '1000',
            ]);
          } else {
            expect([h[FIELD.value], h[FIELD.version], h[FIELD.updated], h[FIELD.size]]).toEqual([
              'new',
              'v1',
              '5000',
              '3',
            ]);
            // createdAt is kept on overwrite of a live entry, else the writer's clock.
            expect(h[FIELD.created]).toBe(live ? '1000' : '5000');
          }
          // The expiry as the writer (or toucher) put it, for getEntry and getMetadata.
          expect(h[FIELD.expires]).toBe(NEW_EXPIRES);
          if (mode === 'cas' && state !== 'absent') expect(await io.exists(f.layout.updateTicket(f.key))).toBe(0);
          if (mode === 'mark') expect(await io.sismember(f.layout.marker(f.key), 'me')).toBe(0); // consumed
          // Index scores follow the expiry: explicit exactly (inline) or handed back (cluster).
          if (state === 'indexed') {
            // The fixture has no bound yet: the memberships get one, at or above the new expiry.
            const bound = Number(h[FIELD.derivedScore]);
            expect(bound).toBeGreaterThanOrEqual(exp);
            expect(bound).toBeLessThanOrEqual(exp + 60_000);
            if (inline === '1') {
              expect(Number(await io.zscore(f.idx, f.member))).toBe(bound);
              expect(await io.pexpiretime(f.idx)).toBeGreaterThanOrEqual(bound);
            } else {
              expect(r).toEqual([1, String(bound), f.idx]);
              expect(Number(await io.zscore(f.idx, f.member))).toBeLessThan(exp); // the caller re-scores
            }
          }
          if (state === 'derived' && inline === '1') {
            const score = Number(await io.zscore(f.didx, f.member));
            expect(score).toBeGreaterThanOrEqual(exp); // a bound at or above the expiry
            expect(Number(h[FIELD.derivedScore])).toBe(score);
            expect(await io.pexpiretime(f.didx)).toBeGreaterThanOrEqual(score);
          }
          if (state === 'expired' && mode !== 'touch') {
            // The expired entry's back-references died with it: the new entry has none.
            expect(h[FIELD.hasRefs]).toBeUndefined();
          }
        });
      }
    }
  }

  it('a write without expiry persists the key; a later write with one sets it again', async () => {
    const f = fixture();
    await setUp(f, 'plain');
    const w = (ttl: string) =>
      run(
        WRITE,
        [f.entry],
        argv('write', {
          mode: 'set',
          value: 'x',
          ttl,
          expires: expiresOf(1, ttl),
          version: 'v9',
          now: '1',
          inline: '1',
        }),
      );
    expect(await w('')).toBe(1);
    expect(await io.pexpiretime(f.entry)).toBe(-1);
    expect(await io.hget(f.entry, FIELD.expires)).toBe('-1');
    expect(await w('1000')).toBe(1);
    expect(await io.pexpiretime(f.entry)).toBeGreaterThan(0);
    expect(await io.hget(f.entry, FIELD.expires)).toBe('1001');
  });

  it('touch without expiry persists the entry and its explicit index scores become +inf', async () => {
    const f = fixture();
    await setUp(f, 'indexed');
    expect(await run(TOUCH, [f.entry], argv('touch', { ttl: '', inline: '1' }))).toBe(1);
    expect(await io.pexpiretime(f.entry)).toBe(-1);
    expect(await io.zscore(f.idx, f.member)).toBe('inf');
    expect(await io.pexpiretime(f.idx)).toBe(-1);
  });

  it('touch that shortens the expiry moves explicit scores and the set expiry down', async () => {
    const f = fixture();
    await setUp(f, 'indexed');
    expect(await run(TOUCH, [f.entry], argv('touch', { ttl: '5000', inline: '1' }))).toBe(1);
    const exp = await io.pexpiretime(f.entry);
    const score = Number(await io.zscore(f.idx, f.member));
    expect(score).toBeGreaterThanOrEqual(exp);
    expect(score).toBeLessThanOrEqual(exp + 1_250); // a quarter of the TTL
    expect(await io.pexpiretime(f.idx)).toBe(score);
  });

  it('re-writes within the bound leave explicit index sets alone; one past it re-scores them', async () => {
    const f = fixture();
    await setUp(f, 'indexed');
    const w = (ttl: string) =>
      run(WRITE, [f.entry], argv('write', { mode: 'set', value: 'x', ttl, version: 'v', now: '1', inline: '1' }));
    expect(await w('100000')).toBe(1);
    const first = await io.zscore(f.idx, f.member);
    const bound = await io.hget(f.entry, FIELD.derivedScore);
    expect(first).toBe(bound);
    await sleep(5);
    expect(await w('100000')).toBe(1); // the same TTL a moment later: within the 25 s slack
    expect(await io.zscore(f.idx, f.member)).toBe(first);
    expect(await w('1000000')).toBe(1); // past the bound: re-scored
    expect(Number(await io.zscore(f.idx, f.member))).toBeGreaterThanOrEqual(await io.pexpiretime(f.entry));
    expect(await w('1000')).toBe(1); // far below the bound: re-scored down
    expect(Number(await io.zscore(f.idx, f.member))).toBeLessThanOrEqual((await io.pexpiretime(f.entry)) + 250);
  });

  it('load markers: a token counts once, a removal (UNLINK of the set) makes every marked write fail', async () => {
    const f = fixture();
    const m = f.layout.marker(f.key);
    await run(MARK_BEGIN, [m], argv('markBegin', { token: 'a', ttl: '10000' }));
    await run(MARK_BEGIN, [m], argv('markBegin', { token: 'b', ttl: '10000' }));
    expect(await io.pttl(m)).toBeGreaterThan(9_000);
    expect(await run(MARK_EXTEND, [m], argv('markExtend', { token: 'a', ttl: '20000' }))).toBe(1);
    expect(await io.pttl(m)).toBeGreaterThan(19_000);
    expect(await run(MARK_EXTEND, [m], argv('markExtend', { token: 'a', ttl: '1', end: '1' }))).toBe(1);
    expect(await io.smembers(m)).toEqual(['b']);
    await io.unlink(m);
    expect(await run(MARK_EXTEND, [m], argv('markExtend', { token: 'b', ttl: '20000' }))).toBe(0);
  });

  it('the registry of loads prunes leases long past and only ever extends its own expiry', async () => {
    const f = fixture().layout.flights();
    const add = (score: number, member: string, ttl: number) =>
      run(
        FLIGHTS_ADD,
        [f],
        argv('flightsAdd', { score: String(score), member, stale: String(Date.now() - 5_000), ttl: String(ttl) }),
      );
    await io.zadd(f, Date.now() - 60_000, 'crashed t0'); // a process that died mid-load
    expect(await add(Date.now() + 10_000, 'k t1', 60_000)).toBe(1);
    expect(await io.zrange(f, '0', '-1')).toEqual(['k t1']);
    expect(await io.pttl(f)).toBeGreaterThan(55_000);
    expect(await add(Date.now() + 1_000, 'k t2', 5_000)).toBe(1); // a shorter lease elsewhere
    expect(await io.pttl(f)).toBeGreaterThan(55_000);
    expect(await io.zcard(f)).toBe(2);
  });
});

// Limits: the script only asks. A write that joins a full limited set replies -2 with the set's
// live members and a fingerprint, writing and consuming nothing; called again with a decision
// taken on those members it writes and removes exactly the members named.
describe('WRITE into a full limited index key, every mode', () => {
  type LimitMode = 'set' | 'nx' | 'xx' | 'cas' | 'fence' | 'mark';
  const LIMIT_MODES: LimitMode[] = ['set', 'nx', 'xx', 'cas', 'fence', 'mark'];
  const PLAN = 'L\nby_user 2\nby_role -\n';

  /** Entry `k:1` (absent for nx, fence and mark, else live without memberships), live members o1 and o2 of by_user:u. */
  async function full(mode: LimitMode) {
    const f = fixture();
    if (mode === 'xx' || mode === 'cas') await setUp(f, 'plain');
    const other = async (key: string, created: string) => {
      await io.hset(f.layout.entry(key), {
        [FIELD.value]: key,
        [FIELD.created]: created,
        [FIELD.version]: `v-${key}`,
        [FIELD.expires]: '-1',
        [FIELD.derived]: ' by_role:r by_user:u ',
        [FIELD.derivedScore]: 'inf',
      });
      await io.zadd(f.didx, 'inf', encodePart(key));
      await io.zadd(f.layout.index('by_role', 'r'), 'inf', encodePart(key));
    };
    await other('o1', '1000');
    await other('o2', '900');
    let guard: string | undefined;
    if (mode === 'cas') {
      guard = f.layout.updateTicket(f.key);
      await io.set(guard, 'me', 'PX', 10_000); // this writer's turn: consumed by a write
    } else if (mode === 'fence') {
      guard = f.layout.lock(f.key);
      await io.set(guard, 'me', 'PX', 10_000);
    } else if (mode === 'mark') {
      guard = f.layout.marker(f.key);
      await run(MARK_BEGIN, [guard], argv('markBegin', { token: 'me', ttl: '10000' }));
    }
    const write = (decisions?: string) =>
      run(
        WRITE,
        guard === undefined ? [f.entry] : [f.entry, guard],
        argv('write', {
          mode,
          value: Buffer.from('new'),
          ttl: String(NEW_TTL),
          version: 'v1',
          expected: mode === 'cas' ? 'v0' : undefined,
          token: guard === undefined ? undefined : 'me',
          now: '5000',
          inline: '1',
          plan: PLAN,
          sig: ' by_user:u ',
          decisions,
        }),
      );
    /** Everything a refused write must leave as it was. */
    const state = async () => ({
      entry: await io.hgetall(f.entry),
      entryExpiry: await io.pexpiretime(f.entry),
      guard: guard === undefined ? null : await io.call('DUMP', guard),
      users: await io.zrange(f.didx, '0', '-1', 'WITHSCORES'),
      roles: await io.zrange(f.layout.index('by_role', 'r'), '0', '-1', 'WITHSCORES'),
      others: [await io.hgetall(f.layout.entry('o1')), await io.hgetall(f.layout.entry('o2'))],
    });
    return { f, write, state, guard };
  }

  /** The fingerprint of a -2 reply's first ask, after checking the ask names the members. */
  function askOf(r: unknown, f: Fixture, members: string[]): string {
    expect(Array.isArray(r)).toBe(true);
    const [code, ask, ...more] = r as [number, string[], ...unknown[]];
    expect(code).toBe(-2);
    expect(more).toEqual([]);
    const [idx, fp, ...seen] = ask;
    expect(idx).toBe(f.didx);
    expect(fp).toMatch(/^[0-9a-f]{40}$/);
    expect(seen).toEqual(members);
    return fp!;
  }

  for (const mode of LIMIT_MODES) {
    it(`${mode}: without a decision replies -2 with the live others and changes nothing`, async () => {
      const { f, write, state } = await full(mode);
      const before = await state();
      askOf(await write(), f, ['o1', '1000', 'o2', '900']);
      expect(await state()).toEqual(before);
      // Asking again (the caller's re-run) sees the same members, under the same fingerprint.
      const fp = askOf(await write(), f, ['o1', '1000', 'o2', '900']);
      askOf(await write(`${f.didx} ${'0'.repeat(40)} o1`), f, ['o1', '1000', 'o2', '900']);
      expect(askOf(await write(), f, ['o1', '1000', 'o2', '900'])).toBe(fp);
      expect(await state()).toEqual(before);
    });

    it(`${mode}: with a valid decision writes and removes exactly the members named`, async () => {
      const { f, write, guard } = await full(mode);
      const fp = askOf(await write(), f, ['o1', '1000', 'o2', '900']);
      const r = (await write(`${f.didx} ${fp} o2`)) as unknown[];
      expect(r[0]).toBe(1);
      expect(r.slice(2)).toEqual(['o2']);
      expect(await io.hget(f.entry, FIELD.value)).toBe('new');
      expect(await io.exists(f.layout.entry('o2'))).toBe(0);
      expect(await io.hget(f.layout.entry('o1'), FIELD.value)).toBe('o1');
      expect((await io.zrange(f.didx, '0', '-1')).sort()).toEqual(['k%3A1', 'o1']);
      expect(await io.zrange(f.layout.index('by_role', 'r'), '0', '-1')).toEqual(['o1']); // all of o2's memberships
      if (mode === 'cas') expect(await io.exists(guard!)).toBe(0); // consumed once written
      if (mode === 'mark') expect(await io.sismember(guard!, 'me')).toBe(0);
      if (mode === 'fence') expect(await io.get(guard!)).toBe('me'); // the lock is released by its owner
    });

    it(`${mode}: with a stale fingerprint (the set changed) replies -2 again and changes nothing`, async () => {
      const { f, write, state } = await full(mode);
      const fp = askOf(await write(), f, ['o1', '1000', 'o2', '900']);
      // Another writer re-creates o2 meanwhile: same members, another createdAt.
      await io.hset(f.layout.entry('o2'), FIELD.created, '4000');
      const before = await state();
      const again = askOf(await write(`${f.didx} ${fp} o2`), f, ['o1', '1000', 'o2', '4000']);
      expect(again).not.toBe(fp);
      expect(await state()).toEqual(before);
    });
  }

  it('a decision may remove nothing (the set then holds more than max), and never the entry itself', async () => {
    const { f, write } = await full('set');
    const fp = askOf(await write(), f, ['o1', '1000', 'o2', '900']);
    expect(await write(`${f.didx} ${fp} k%3A1 nobody`)).toBe(1);
    expect((await io.zrange(f.didx, '0', '-1')).sort()).toEqual(['k%3A1', 'o1', 'o2']);
    expect(await io.hget(f.entry, FIELD.value)).toBe('new');
  });

  it('one reply names every full set, with dead members pruned and not counted', async () => {
    const { f, state } = await full('set');
    const roles = f.layout.index('by_role', 'r');
    await io.unlink(f.layout.entry('o1')); // gone, its members still scored ahead
    await io.hset(f.layout.entry('o3'), {
      [FIELD.value]: 'o3',
      [FIELD.created]: '800',
      [FIELD.version]: 'v-o3',
      [FIELD.derived]: ' by_user:u ',
    });
    await io.zadd(f.didx, 'inf', 'o3');
    const plan = 'L\nby_role 1\nby_user 2\n';
    const args = (decisions?: string) =>
      argv('write', {
        mode: 'set',
        value: 'new',
        ttl: String(NEW_TTL),
        version: 'v1',
        now: '5000',
        inline: '1',
        plan,
        sig: ' by_role:r by_user:u ',
        decisions,
      });
    const r = (await run(WRITE, [f.entry], args())) as [number, string[], string[]];
    expect(r[0]).toBe(-2);
    expect(r.length).toBe(3);
    expect([r[1][0], ...r[1].slice(2)]).toEqual([roles, 'o2', '900']);
    expect([r[2][0], ...r[2].slice(2)]).toEqual([f.didx, 'o2', '900', 'o3', '800']);
    expect(await io.zrange(f.didx, '0', '-1')).not.toContain('o1'); // pruned on the way
    const before = await state();
    // Both decided, o2 named by both: removed once.
    const w = await run(WRITE, [f.entry], args(`${roles} ${r[1][1]} o2\n${f.didx} ${r[2][1]} o3 o2`));
    expect((w as unknown[]).slice(2)).toEqual(['o2', 'o3']);
    expect(before.entry).toEqual({});
    expect((await io.zrange(f.didx, '0', '-1')).sort()).toEqual(['k%3A1']);
    expect(await io.zrange(roles, '0', '-1')).toEqual(['k%3A1']);
  });
});
