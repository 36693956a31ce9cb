import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { createRng } from '../lib/rng.ts';
import { pairedRatio } from '../lib/stats.ts';
import type { OpsResult, Row, Suite } from '../lib/suite.ts';
import {
  BENTOCACHE,
  CACHE_MANAGER,
  CONTENDER_NAMES,
  makeContender,
  OURS_IOREDIS,
  OURS_NODE_REDIS,
  RAW_IOREDIS,
  RAW_NODE_REDIS,
  RAW_NODE_REDIS_NO_TIMEOUT,
  type RedisContender,
} from '../redis/contenders.ts';
import { type InflightItem, localRunner, measureInflight, type PassRunner } from '../redis/inflight.ts';
import { remoteContender } from '../redis/remote.ts';
import { dataset, prefill, userValue, workloads } from '../redis/workloads.ts';

const INFLIGHT = [1, 64, 256] as const;

/**
 * The cheapest scripted write there is (one HSET and one PEXPIRE in Lua), sent raw with
 * `EVALSHA` on the same kind of ioredis client: the floor for any write that must be atomic with
 * more than one command. It tells how much of ours/raw `set` is the script itself.
 */
const SCRIPT_FLOOR = 'ioredis raw EVALSHA (HSET+PEXPIRE script)';
const FLOOR_SCRIPT = "redis.call('HSET', KEYS[1], 'v', ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1";

/** A contender as the suite drives it: a runner per op, wherever it runs. */
interface Driven {
  readonly name: string;
  runner(op: string): PassRunner;
  close(): Promise<void>;
}

/** In this process (`--one-process`): every contender shares one JIT, one heap and one event loop. */
async function inProcess(name: string, url: string, prefix: string, keySpace: number): Promise<Driven> {
  const c: RedisContender = await makeContender(name, { url, prefix });
  const d = dataset(keySpace);
  await prefill(c, d);
  const runners = new Map(workloads(d).map((w) => [w.op, localRunner(w.fn(c))]));
  return { name, runner: (op) => runners.get(op)!, close: () => c.close() };
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
    // Default: each contender in a fresh process of its own, as in an application (one library, one
    // client). --one-process runs them all in this process, sharing JIT, heap and event loop.
    const oneProcess = process.argv.includes('--one-process');
    report.note(
      oneProcess
        ? 'contenders: all in this one process (--one-process)'
        : 'contenders: each in a fresh process of its own, driven one at a time over IPC (--one-process to share one)',
    );
    const keySpace = smoke ? 300 : 10_000;
    const reps = smoke ? 1 : 3;
    const perPass = (inflight: number) => (smoke ? 50 : inflight === 1 ? 2_000 : 16_000);
    const { keys } = dataset(keySpace);
    // --ops=get-hit,set: only those operations (a quicker run when investigating one figure).
    const only = process.argv
      .find((a) => a.startsWith('--ops='))
      ?.slice('--ops='.length)
      .split(',');
    const ops = workloads(dataset(keySpace)).filter((w) => only === undefined || only.includes(w.op));
    if (ops.length === 0)
      throw new Error(
        `--ops matched no operation; known: ${workloads(dataset(1))
          .map((w) => w.op)
          .join(', ')}`,
      );

    // Client and server share this machine's CPUs: a busy machine lowers every figure (ratios less so).
    const loadAtStart = loadavg()[0]!;
    const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await admin.connect();
    const contenders: Driven[] = [];
    let closeFloor = () => {};
    try {
      if (oneProcess) {
        for (const name of CONTENDER_NAMES) contenders.push(await inProcess(name, url, prefix, keySpace));
      } else {
        // Started (and prefilled) together; measured one at a time.
        const started = await Promise.allSettled(
          CONTENDER_NAMES.map((name) => remoteContender(name, { url, prefix, keySpace })),
        );
        for (const s of started) if (s.status === 'fulfilled') contenders.push(s.value);
        const failed = started.find((s) => s.status === 'rejected');
        if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      }

      // The floor runs in this process, which otherwise only coordinates (no contender runs here
      // unless --one-process).
      const floor = new Redis(url, { enableAutoPipelining: true });
      const floorSha = String(await floor.script('LOAD', FLOOR_SCRIPT));
      const floorValues = keys.map((_, i) => JSON.stringify(userValue(i)));
      const scriptFloor = localRunner((id) =>
        floor.evalsha(floorSha, 1, `${prefix}:floor:${keys[id]}`, floorValues[id]!, 3_600_000),
      );
      closeFloor = () => floor.disconnect();

      const rng = createRng(7);
      const all: OpsResult[] = [];
      for (const w of ops) {
        const results: OpsResult[] = [];
        for (const inflight of INFLIGHT) {
          const n = Math.max(inflight, Math.round(perPass(inflight) * w.scale));
          const ids = Int32Array.from({ length: n }, () => Math.floor(rng() * keySpace));
          const items: InflightItem[] = contenders.map((c) => ({
            contender: c.name,
            op: w.op,
            inflight,
            run: c.runner(w.op),
            ids,
          }));
          if (w.op === 'set') items.push({ contender: SCRIPT_FLOOR, op: w.op, inflight, run: scriptFloor, ids });
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
      for (const w of ops) {
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
      // The targets: reads (get-hit, getOrSet-hit) ≥ 0.9× raw GET; set ≥ 0.6× raw SET (ours keeps
      // createdAt, version and memberships atomic in one script, raw SET keeps nothing).
      for (const [op, target] of [
        ['get-hit', 0.9],
        ['getOrSet-hit', 0.9],
        ['set', 0.6],
      ] as const) {
        for (const inflight of [64, 256]) {
          const mode = `inflight${inflight}`;
          for (const [ours, raw] of [
            [OURS_IOREDIS, RAW_IOREDIS],
            [OURS_NODE_REDIS, RAW_NODE_REDIS],
            [OURS_NODE_REDIS, RAW_NODE_REDIS_NO_TIMEOUT],
          ] as const) {
            const r = ratio(ours, raw, op, mode);
            if (r === null || r < target)
              misses.push(`${ours} ${op} @${inflight}: ${r?.toFixed(2)}× ${raw} (target ≥ ${target}×)`);
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
          ? 'targets: all met (get-hit/getOrSet-hit ≥ 0.9× and set ≥ 0.6× raw at 64/256, ≥ 100k get-hit ops/s at 256, ahead of both peers)'
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
