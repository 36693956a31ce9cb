import assert from 'node:assert/strict';
import { isCacheError } from '../errors.js';
import { compileGlob } from '../glob.js';
import type { Cache } from '../types.js';
import { collect, deepEqual, equal, sorted, within } from './assertions.js';
import { checkProperty, loadFastCheck } from './fast-check.js';
import type { ConformanceKit, Harness } from './kit.js';

interface ModelEntry {
  value: number;
  /** Epoch ms; Infinity = never. */
  expiresAt: number;
  /** Index keys of the one index the model uses (`idx`). */
  idx: Set<string>;
}

/** The reference semantics: a Map with expiry, the way API.md §2 describes a cache. */
class Model {
  readonly entries = new Map<string, ModelEntry>();
  constructor(readonly now: () => number) {}

  live(key: string): ModelEntry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  liveKeys(): string[] {
    return [...this.entries.keys()].filter((k) => this.live(k) !== undefined);
  }

  /** A write keeps the memberships of a live entry it overwrites (as it keeps createdAt). */
  write(key: string, value: number, ttl: number): void {
    const prev = this.live(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttl, idx: prev?.idx ?? new Set() });
  }
}

interface Real {
  cache: Cache<number>;
}

type Cmd = import('fast-check').AsyncCommand<Model, Real>;

/** A command; one that does not settle in 5 s fails (a hang is a divergence too). */
function cmd(label: string, run: (m: Model, r: Real) => Promise<void>): Cmd {
  return { check: () => true, run: (m, r) => within(run(m, r), 5_000, label), toString: () => label };
}

const KEYS = ['a', 'ab', 'a*', '[x]', 'k:1', 'é'];
const PATTERNS = ['*', 'a*', '?', 'k:?', '[ab]*', '\\*', 'a\\*', '[^a]*', '*}', '\\[x\\]', 'k:[1-2]'];

/** Random command sequences run against the cache and the model; any divergence fails. */
export function modelGroup(kit: ConformanceKit): void {
  kit.describe('model-based (random operation sequences)', () => {
    kit.it('random sequences of operations agree with a Map-and-clock model', async (h) => {
      const fc = await loadFastCheck();
      const commands = buildCommands(fc, kit, h);
      await checkProperty(
        kit,
        h,
        fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'medium' }), async (cmds) => {
          const cache = await h.cache<number>();
          await fc.asyncModelRun(() => ({ model: new Model(() => h.now()), real: { cache } }), cmds);
          await cache.close();
        }),
        kit.numRuns * 4,
      );
    });
  });
}

function buildCommands(fc: typeof import('fast-check'), kit: ConformanceKit, h: Harness) {
  const key = fc.constantFrom(...KEYS);
  const keys = fc.array(key, { maxLength: 4 });
  const value = fc.integer({ min: -5, max: 5 });
  const ttl = h.fake ? fc.constantFrom(Number.POSITIVE_INFINITY, 1_000, 5_000) : fc.constant(Number.POSITIVE_INFINITY);
  const pattern = fc.constantFrom(...PATTERNS);
  const ik = fc.constantFrom('i1', 'i2');
  const show = (t: number) => (t === Number.POSITIVE_INFINITY ? 'Infinity' : String(t));

  const list = [
    fc.tuple(key, value, ttl).map(([k, v, t]) =>
      cmd(`set(${k}, ${v}, ${show(t)})`, async (m, r) => {
        m.write(k, v, t);
        await r.cache.set(k, v, t);
      }),
    ),
    fc.tuple(fc.array(fc.tuple(key, value), { maxLength: 4 }), ttl).map(([entries, t]) =>
      cmd(`setMany(${JSON.stringify(entries)}, ${show(t)})`, async (m, r) => {
        for (const [k, v] of entries) m.write(k, v, t);
        await r.cache.setMany(entries, t);
      }),
    ),
    key.map((k) =>
      cmd(`get(${k})`, async (m, r) => {
        equal(await r.cache.get(k), m.live(k)?.value, `get(${k})`);
      }),
    ),
    key.map((k) =>
      cmd(`has(${k})`, async (m, r) => {
        equal(await r.cache.has(k), m.live(k) !== undefined, `has(${k})`);
      }),
    ),
    keys.map((ks) =>
      cmd(`getMany(${JSON.stringify(ks)})`, async (m, r) => {
        const want = new Map<string, number>();
        for (const k of ks) {
          const e = m.live(k);
          if (e !== undefined) want.set(k, e.value);
        }
        deepEqual(await r.cache.getMany(ks), want, `getMany(${JSON.stringify(ks)})`);
      }),
    ),
    key.map((k) =>
      cmd(`delete(${k})`, async (m, r) => {
        const want = m.live(k) !== undefined;
        m.entries.delete(k);
        equal(await r.cache.delete(k), want, `delete(${k})`);
      }),
    ),
    keys.map((ks) =>
      cmd(`deleteMany(${JSON.stringify(ks)})`, async (m, r) => {
        const live = new Set(ks.filter((k) => m.live(k) !== undefined));
        for (const k of ks) m.entries.delete(k);
        equal(await r.cache.deleteMany(ks), live.size, `deleteMany(${JSON.stringify(ks)})`);
      }),
    ),
    fc.tuple(key, value, ttl).map(([k, v, t]) =>
      cmd(`setIfNotExists(${k}, ${v}, ${show(t)})`, async (m, r) => {
        const want = m.live(k) === undefined;
        if (want) m.write(k, v, t);
        equal(await r.cache.setIfNotExists(k, v, t), want, `setIfNotExists(${k})`);
      }),
    ),
    fc.tuple(key, value, ttl).map(([k, v, t]) =>
      cmd(`setIfExists(${k}, ${v}, ${show(t)})`, async (m, r) => {
        const want = m.live(k) !== undefined;
        if (want) m.write(k, v, t);
        equal(await r.cache.setIfExists(k, v, t), want, `setIfExists(${k})`);
      }),
    ),
    fc.tuple(key, value, ttl).map(([k, d, t]) =>
      cmd(`update(${k}, +${d}, ${show(t)})`, async (m, r) => {
        const old = m.live(k)?.value;
        const next = (old ?? 0) + d;
        m.write(k, next, t);
        let seen: [number | undefined, boolean] | undefined;
        const got = await r.cache.update(
          k,
          (o, exists) => {
            seen = [o, exists];
            return (o ?? 0) + d;
          },
          t,
        );
        deepEqual(seen, [old, old !== undefined], `update(${k}) saw`);
        equal(got, next, `update(${k}) result`);
      }),
    ),
    fc.tuple(key, value, ttl).map(([k, v, t]) =>
      cmd(`getOrSet(${k}, ${v}, ${show(t)})`, async (m, r) => {
        const e = m.live(k);
        const want = e?.value ?? v;
        if (e === undefined) m.write(k, v, t);
        equal(await r.cache.getOrSet(k, () => v, t), want, `getOrSet(${k})`);
      }),
    ),
    pattern.map((p) =>
      cmd(`getKeysByPattern(${p})`, async (m, r) => {
        const glob = compileGlob(p);
        const want = sorted(m.liveKeys().filter((k) => glob.test(k)));
        deepEqual(sorted(await r.cache.getKeysByPattern(p)), want, `getKeysByPattern(${p})`);
        deepEqual(sorted(await collect(r.cache.scanKeys(p))), want, `scanKeys(${p})`);
      }),
    ),
    pattern.map((p) =>
      cmd(`deleteByPattern(${p})`, async (m, r) => {
        const glob = compileGlob(p);
        const hit = m.liveKeys().filter((k) => glob.test(k));
        for (const k of hit) m.entries.delete(k);
        equal(await r.cache.deleteByPattern(p), hit.length, `deleteByPattern(${p})`);
      }),
    ),
    fc.constant(
      cmd('clear()', async (m, r) => {
        m.entries.clear();
        await r.cache.clear();
      }),
    ),
    key.map((k) =>
      cmd(`getMetadata(${k})`, async (m, r) => {
        const e = m.live(k);
        const meta = await r.cache.getMetadata(k);
        if (e === undefined) {
          equal(meta, undefined, `getMetadata(${k}) of a missing key`);
          return;
        }
        assert.ok(meta !== undefined, `getMetadata(${k}) of a live key`);
        equal(meta.key, k, 'the key getMetadata reports');
        if (h.fake || e.expiresAt === Number.POSITIVE_INFINITY) {
          equal(meta.expiresAt, e.expiresAt === Number.POSITIVE_INFINITY ? null : e.expiresAt, `expiresAt of ${k}`);
        }
        if (kit.capabilities.indexes) {
          const want = sorted([...e.idx].map((i) => `idx=${i}`));
          deepEqual(sorted(meta.indexes.map((i) => `${i.indexName}=${i.indexKey}`)), want, `indexes of ${k}`);
        }
      }),
    ),
  ];
  if (h.fake) {
    list.push(
      fc.constantFrom(1, 999, 1_000, 4_000).map((ms) =>
        cmd(`advance(${ms})`, async () => {
          h.clock!.advance(ms);
        }),
      ),
    );
  }
  if (kit.capabilities.indexes) {
    list.push(
      fc.tuple(ik, key).map(([i, k]) =>
        cmd(`addIndex(idx, ${k}, ${i})`, async (m, r) => {
          const e = m.live(k);
          try {
            await r.cache.addIndex('idx', k, i);
            assert.ok(e !== undefined, `addIndex(${k}) of a missing key succeeded`);
            e.idx.add(i);
          } catch (err) {
            if (e !== undefined || !isCacheError(err, 'NOT_FOUND')) throw err;
          }
        }),
      ),
      fc.tuple(ik, key).map(([i, k]) =>
        cmd(`removeIndex(idx, ${k}, ${i})`, async (m, r) => {
          m.live(k)?.idx.delete(i);
          await r.cache.removeIndex('idx', k, i);
        }),
      ),
      ik.map((i) =>
        cmd(`getByIndex(idx, ${i})`, async (m, r) => {
          const want = sorted(m.liveKeys().filter((k) => m.live(k)!.idx.has(i)));
          deepEqual(sorted(await r.cache.getByIndex('idx', i)), want, `getByIndex(${i})`);
        }),
      ),
      ik.map((i) =>
        cmd(`deleteByIndex(idx, ${i})`, async (m, r) => {
          const hit = m.liveKeys().filter((k) => m.live(k)!.idx.has(i));
          for (const k of hit) m.entries.delete(k);
          equal(await r.cache.deleteByIndex('idx', i), hit.length, `deleteByIndex(${i})`);
        }),
      ),
    );
  }
  return list;
}
