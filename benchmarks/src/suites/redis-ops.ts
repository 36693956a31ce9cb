import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { createRng } from '../lib/rng.ts';
import { pairedRatio } from '../lib/stats.ts';
import type { OpsResult, Row, Suite } from '../lib/suite.ts';
import {
  BENTOCACHE,
  bentocacheRedis,
  CACHE_MANAGER,
  cacheManagerRedis,
  gocacheRedis,
  OURS_IOREDIS,
  OURS_NODE_REDIS,
  RAW_IOREDIS,
  RAW_NODE_REDIS,
  RAW_NODE_REDIS_NO_TIMEOUT,
  type RedisContender,
  rawIoredis,
  rawNodeRedis,
  type Value,
} from '../redis/contenders.ts';
import { type InflightItem, measureInflight } from '../redis/inflight.ts';

const INFLIGHT = [1, 64, 256] as const;

/**
 * The cheapest scripted write there is (one HSET and one PEXPIRE in Lua), sent raw with
 * `EVALSHA` on the same kind of ioredis client: the floor for any write that must be atomic with
 * more than one command. It tells how much of ours/raw `set` is the script itself.
 */
const SCRIPT_FLOOR = 'ioredis raw EVALSHA (HSET+PEXPIRE script)';
const FLOOR_SCRIPT = "redis.call('HSET', KEYS[1], 'v', ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1";
const MANY = 100;
/** Distinct start positions of getMany windows (each window is MANY consecutive keys). */
const MANY_WINDOWS = 1_000;

interface Workload {
  op: string;
  /** Ops per pass relative to a single-key op (getMany moves 100 keys per op). */
  scale: number;
  fn: (c: RedisContender) => (id: number) => Promise<unknown>;
}

/** Delete every key under `prefix` with SCAN + UNLINK (never FLUSHDB: the server is shared). */
async function dropPrefix(r: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) n += await r.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

function byKey(results: readonly OpsResult[]): Map<string, OpsResult> {
  return new Map(results.map((r) => [`${r.contender}|${r.op}|${r.mode}`, r]));
}

/**
 * Our Redis cache against the raw clients (ioredis with auto-pipelining, node-redis) and two peers
 * (bentocache with only its Redis layer, cache-manager over @keyv/redis), side by side at 1, 64 and
 * 256 operations in flight, on the shared Redis under a random prefix that is deleted afterwards.
 */
export const suite: Suite = {
  name: 'redis-ops',
  description: 'Redis ops/s at 1/64/256 in flight: gocache vs raw ioredis, raw node-redis, bentocache, cache-manager',
  async run({ smoke, report }) {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `gcbench-${randomBytes(4).toString('hex')}`;
    // Printed first, so keys left by an interrupted run can be found: redis-cli --scan --pattern '<prefix>*'.
    report.note(`keys of this run live under ${prefix}* on ${url}; they are deleted at the end`);
    const keySpace = smoke ? 300 : 10_000;
    const reps = smoke ? 1 : 3;
    const perPass = (inflight: number) => (smoke ? 50 : inflight === 1 ? 2_000 : 16_000);
    const keys = Array.from({ length: keySpace }, (_, i) => `user:${i}`);
    const values: Value[] = keys.map((_, i) => ({ id: i, name: `user ${i}` }));
    const windows = Array.from({ length: Math.min(MANY_WINDOWS, keySpace) }, (_, w) =>
      Array.from({ length: MANY }, (_, j) => keys[(w + j) % keySpace] as string),
    );
    const loader = (): Value => values[0] as Value;
    const bump = (old: Value | undefined): Value => ({ id: (old?.id ?? 0) + 1, name: old?.name ?? 'new' });

    const workloads: Workload[] = [
      { op: 'get-hit', scale: 1, fn: (c) => (id) => c.get(keys[id] as string) },
      { op: 'set', scale: 1, fn: (c) => (id) => c.set(keys[id] as string, values[id] as Value) },
      { op: `getMany(${MANY})`, scale: 1 / 20, fn: (c) => (id) => c.getMany(windows[id % windows.length]!) },
      { op: 'getOrSet-hit', scale: 1, fn: (c) => (id) => c.getOrSet(keys[id] as string, loader) },
      { op: 'update', scale: 1 / 2, fn: (c) => (id) => c.update(keys[id] as string, bump) },
    ];

    // Client and server share this machine's CPUs: a busy machine lowers every figure (ratios less so).
    const loadAtStart = loadavg()[0]!;
    const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await admin.connect();
    const opts = { url, prefix };
    const contenders: RedisContender[] = [];
    let closeFloor = () => {};
    try {
      contenders.push(
        await gocacheRedis(opts, 'ioredis'),
        rawIoredis(opts),
        await gocacheRedis(opts, 'node-redis'),
        await rawNodeRedis(opts),
        await rawNodeRedis(opts, true),
        bentocacheRedis(opts),
        cacheManagerRedis(opts),
      );
      for (const c of contenders) {
        for (let i = 0; i < keySpace; i += 500) {
          await Promise.all(keys.slice(i, i + 500).map((k, j) => c.set(k, values[i + j] as Value)));
        }
        const v = await c.get(keys[7] as string);
        if (v?.id !== 7 || v.name !== 'user 7')
          throw new Error(`${c.name} did not return the stored value after prefill`);
      }

      const floor = new Redis(url, { enableAutoPipelining: true });
      const floorSha = String(await floor.script('LOAD', FLOOR_SCRIPT));
      const scriptFloor: InflightItem['fn'] = (id) =>
        floor.evalsha(floorSha, 1, `${prefix}:floor:${keys[id]}`, JSON.stringify(values[id]), 3_600_000);
      closeFloor = () => floor.disconnect();

      const rng = createRng(7);
      const all: OpsResult[] = [];
      for (const w of workloads) {
        const results: OpsResult[] = [];
        for (const inflight of INFLIGHT) {
          const n = Math.max(inflight, Math.round(perPass(inflight) * w.scale));
          const ids = Int32Array.from({ length: n }, () => Math.floor(rng() * keySpace));
          const items: InflightItem[] = contenders.map((c) => ({
            contender: c.name,
            op: w.op,
            inflight,
            fn: w.fn(c),
            ids,
          }));
          if (w.op === 'set') items.push({ contender: SCRIPT_FLOOR, op: w.op, inflight, fn: scriptFloor, ids });
          results.push(...(await measureInflight(items, reps)));
        }
        report.ops(`${w.op} (ratio vs raw ioredis)`, results, { baseline: RAW_IOREDIS });
        all.push(...results);
      }

      const idx = byKey(all);
      const ratio = (a: string, b: string, op: string, mode: string): number | null => {
        const x = idx.get(`${a}|${op}|${mode}`);
        const y = idx.get(`${b}|${op}|${mode}`);
        // Median of per-repetition ratios: contenders ran interleaved, so each pair shared the same load.
        return x && y ? pairedRatio(x, y) : null;
      };
      const rows: Row[] = [];
      for (const w of workloads) {
        for (const inflight of INFLIGHT) {
          const mode = `inflight${inflight}`;
          const fmt = (r: number | null) => (r === null ? null : `${r.toFixed(2)}×`);
          rows.push({
            op: w.op,
            inflight,
            'ours(io) / raw io': fmt(ratio(OURS_IOREDIS, RAW_IOREDIS, w.op, mode)),
            'ours(nr) / raw nr': fmt(ratio(OURS_NODE_REDIS, RAW_NODE_REDIS, w.op, mode)),
            'ours(nr) / raw nr, no timeout': fmt(ratio(OURS_NODE_REDIS, RAW_NODE_REDIS_NO_TIMEOUT, w.op, mode)),
            'ours(io) / bentocache': fmt(ratio(OURS_IOREDIS, BENTOCACHE, w.op, mode)),
            'ours(io) / cache-manager': fmt(ratio(OURS_IOREDIS, CACHE_MANAGER, w.op, mode)),
            'ours(nr) / cache-manager': fmt(ratio(OURS_NODE_REDIS, CACHE_MANAGER, w.op, mode)),
            'ours(io) / raw io script': fmt(ratio(OURS_IOREDIS, SCRIPT_FLOOR, w.op, mode)),
          });
        }
      }
      report.table('ratios (>1 means ours is faster)', rows);

      const misses: string[] = [];
      for (const op of ['get-hit', 'set']) {
        for (const inflight of [64, 256]) {
          const mode = `inflight${inflight}`;
          for (const [ours, raw] of [
            [OURS_IOREDIS, RAW_IOREDIS],
            [OURS_NODE_REDIS, RAW_NODE_REDIS],
            [OURS_NODE_REDIS, RAW_NODE_REDIS_NO_TIMEOUT],
          ] as const) {
            const r = ratio(ours, raw, op, mode);
            if (r === null || r < 0.9)
              misses.push(`${ours} ${op} @${inflight}: ${r?.toFixed(2)}× ${raw} (target ≥ 0.9×)`);
          }
        }
      }
      const top = idx.get(`${OURS_IOREDIS}|get-hit|inflight256`)?.opsPerSec ?? 0;
      if (top < 100_000) misses.push(`${OURS_IOREDIS} get-hit @256: ${Math.round(top)} ops/s (target ≥ 100,000)`);
      for (const r of all) {
        if (r.contender !== OURS_IOREDIS) continue;
        for (const peer of [BENTOCACHE, CACHE_MANAGER]) {
          const x = ratio(OURS_IOREDIS, peer, r.op, r.mode);
          if (x === null || x <= 1)
            misses.push(`${OURS_IOREDIS} ${r.op} ${r.mode}: ${x?.toFixed(2)}× ${peer} (target > 1×)`);
        }
      }
      report.note(
        `"${SCRIPT_FLOOR}" is the cheapest atomic multi-command write (a raw EVALSHA of a two-command script), measured for set only: ` +
          'ours(io) / raw io script near 1× means the gap to raw SET is the script, not the library.',
      );
      report.note(
        'raw clients store JSON strings with GET/SET/MGET; their update is GET+SET (not atomic), as are the ' +
          "peers' (neither has one); bentocache has no batch read, so its getMany is 100 parallel gets.",
      );
      report.note(
        `"${RAW_NODE_REDIS_NO_TIMEOUT}" is node-redis with commandOptions.timeout 0: node-redis 6 arms an ` +
          'AbortSignal.timeout per command by default (5 s); ours turns that off for its commands (it bounds ' +
          'each call with its own commandTimeout), so the target is checked against both raw node-redis rows.',
      );
      report.note(
        misses.length === 0
          ? 'targets: all met (get-hit/set ≥ 0.9× raw at 64/256, ≥ 100k get-hit ops/s at 256, ahead of both peers)'
          : `targets missed${smoke ? ' (smoke sizes: not meaningful)' : ''}:\n  ${misses.join('\n  ')}`,
      );
      report.data('targetsMissed', misses);
      report.note(
        `load average (1 min) ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end, on ${cpus().length} CPUs ` +
          '(Redis on the same machine); figures from a loaded machine understate absolute ops/s.',
      );
    } finally {
      for (const c of contenders) await c.close();
      closeFloor();
      const removed = await dropPrefix(admin, prefix);
      report.note(`cleanup: removed ${removed} keys under ${prefix}*`);
      admin.disconnect();
    }
  },
};
