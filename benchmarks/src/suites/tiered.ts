import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { storeConfig } from '@gocache/core/store-kit';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Redis } from 'ioredis';
import { pairedRatio } from '../lib/stats.ts';
import type { OpsResult, Suite } from '../lib/suite.ts';
import { type Measured, type Mode, measure } from '../lib/timing.ts';

interface Value {
  readonly id: number;
  readonly name: string;
}

const MEMORY = 'gocache memory';
/** Entries with a TTL, as every L1 copy has (l1Ttl): each hit then reads the clock, in both. */
const MEMORY_TTL = 'gocache memory, entries with a TTL';
const TIERED = 'gocache tiered (L1 hit)';
const BENTO = 'bentocache two-tier (L1 hit)';
const REDIS = 'gocache redis (L2 only)';
const TIERED_MISS = 'gocache tiered (L1 miss, L2 hit)';
/** The floor the issue sets for a miss: an L2 read, then an L1 fill (a set into a memory cache). */
const REDIS_FILL = 'gocache redis get + gocache memory set';
/**
 * The same with the read a copy needs: the value *and* its expiry (the Redis store's `getEntry`, one
 * `HMGET`), since no read may return an expired entry and a copy must not outlive its entry.
 */
const REDIS_ENTRY_FILL = 'gocache redis getEntry + gocache memory set';
const TIERED_SET = 'gocache tiered';
const REDIS_SET = 'gocache redis';
const REDIS_SET_PUBLISH = 'gocache redis + PUBLISH';
/**
 * The same, published where this process also listens, as on a bus: every process of a tiered
 * deployment subscribes to the bus channel, so each of its publishes is also delivered back to it.
 */
const REDIS_SET_PUBLISH_HEARD = 'gocache redis + PUBLISH, heard by this process';
const MODES: readonly Mode[] = ['seq', 'batch64'];

/** Delete every key under `prefix` with SCAN + UNLINK (never FLUSHDB: the server is shared). */
async function dropPrefix(r: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.unlink(...keys);
  } while (cursor !== '0');
}

const CLOCK_CALLS = 2_000_000;

/** ns per call of `clock`, the median of 5 loops. */
function clockNs(clock: () => number): number {
  const per: number[] = [];
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CLOCK_CALLS; i++) sink += clock();
    per.push(Number(process.hrtime.bigint() - t0) / CLOCK_CALLS);
  }
  if (sink === 0) per.push(0); // keeps the loop from being optimised away
  return per.sort((a, b) => a - b)[2] as number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * `@gocache/tiered` (memory L1 + Redis L2 + redisBus) against the memory provider alone, the Redis
 * provider alone and bentocache's two-tier cache (memory + Redis + its Redis bus): L1 hits, the
 * cost of an L1 miss and of a write, and how long an invalidation takes to reach two other processes.
 */
export const suite: Suite = {
  name: 'tiered',
  description: 'tiered L1 hit vs memory and bentocache two-tier; miss and write cost vs Redis; bus delivery p50/p99',
  async run({ smoke, report }) {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `gcbench-tiered-${randomBytes(4).toString('hex')}`;
    report.note(`keys of this run live under ${prefix}* on ${url}; they are deleted at the end`);
    const { createCache } = await import('@gocache/core');
    const { memoryProvider } = await import('@gocache/provider-memory');
    const { redisBus, redisProvider } = await import('@gocache/provider-redis');
    const { tieredProvider } = await import('@gocache/tiered');

    const keySpace = smoke ? 200 : 10_000;
    // Every table takes 9 paired repetitions, for a steadier median on a noisy machine.
    const passReps = smoke ? 1 : 9;
    const keys = Array.from({ length: keySpace }, (_, i) => `user:${i}`);
    const values: Value[] = keys.map((_, i) => ({ id: i, name: `user ${i}` }));
    // A hit takes ~0.2 µs: 400,000 of them make a pass of ~0.1 s, long enough that a GC pause or a
    // timer does not decide a repetition's ratio.
    const ids = Int32Array.from({ length: smoke ? 1_000 : 400_000 }, (_, i) => (i * 7919) % keySpace);
    const onePass = Int32Array.from({ length: keySpace }, (_, i) => i);
    const channel = `${prefix}:bus`;

    const admin = new Redis(url);
    const clients: Redis[] = [];
    const client = () => {
      const c = new Redis(url, { enableAutoPipelining: true });
      clients.push(c);
      return c;
    };
    const closers: (() => Promise<void>)[] = [];
    try {
      const memory = createCache<Value>(memoryProvider(), { name: 'bench' });
      // The TTL the tiered cache gives its L1 copies (l1Ttl below).
      const memoryTtl = createCache<Value>(memoryProvider(), { name: 'bench-ttl', ttl: '1h' });
      const fill = createCache<Value>(memoryProvider(), { name: 'bench-fill', ttl: '1h' });
      const mainClient = client();
      const tieredP = tieredProvider({
        l1: memoryProvider(),
        l2: redisProvider({ client: mainClient, prefix: `${prefix}-t` }),
        bus: redisBus({ client: mainClient, channel }),
        l1Ttl: '1h',
      });
      const tiered = createCache<Value>(tieredP, { name: 'bench' });
      // Another process writing the same keys: its invalidations empty our L1 before a miss pass.
      const peerClient = client();
      const peerP = tieredProvider({
        l1: memoryProvider(),
        l2: redisProvider({ client: peerClient, prefix: `${prefix}-t` }),
        bus: redisBus({ client: peerClient, channel }),
        l1Ttl: '1h',
      });
      const peer = createCache<Value>(peerP, { name: 'bench' });
      const redisP = redisProvider({ client: client(), prefix: `${prefix}-r` });
      const redis = createCache<Value>(redisP, { name: 'bench' });
      // The same entries, through the store's own getEntry (an SPI method the cache does not expose).
      const redisStore = redisP.createStore<Value>(storeConfig({ name: 'bench' }));
      const bentoConn = client();
      const bento = new BentoCache({
        default: 'tiered',
        prefix: `${prefix}-bento`,
        stores: {
          tiered: bentostore()
            .useL1Layer(memoryDriver({ maxItems: keySpace * 2, serialize: false }))
            .useL2Layer(redisDriver({ connection: bentoConn, prefix: `${prefix}-bento` }))
            .useBus(
              redisBusDriver({ connection: { host: new URL(url).hostname, port: Number(new URL(url).port || 6379) } }),
            ),
        },
      });
      closers.push(
        async () => await memory.close(),
        async () => await memoryTtl.close(),
        async () => await fill.close(),
        async () => await tieredP.close(),
        async () => await peerP.close(),
        async () => await redisStore.close(),
        async () => await redisP.close(),
        async () => await bento.disconnectAll(),
      );

      for (const [i, k] of keys.entries()) {
        const v = values[i] as Value;
        await Promise.all([
          memory.set(k, v),
          memoryTtl.set(k, v),
          tiered.set(k, v),
          redis.set(k, v),
          bento.set({ key: k, value: v }),
        ]);
      }
      for (const k of keys) await Promise.all([tiered.get(k), bento.get<Value>({ key: k })]); // L1s warm

      // L1 hits.
      const hitItems: Measured[] = MODES.flatMap((mode) => [
        { contender: MEMORY, op: 'get-hit', mode, ids, fn: (id: number) => memory.get(keys[id] as string) },
        { contender: MEMORY_TTL, op: 'get-hit', mode, ids, fn: (id: number) => memoryTtl.get(keys[id] as string) },
        { contender: TIERED, op: 'get-hit', mode, ids, fn: (id: number) => tiered.get(keys[id] as string) },
        {
          contender: BENTO,
          op: 'get-hit',
          mode,
          ids,
          fn: (id: number) => bento.get<Value>({ key: keys[id] as string }),
        },
      ]);
      const hits = await measure(hitItems, passReps);
      report.ops('L1 hits', hits, { baseline: MEMORY });
      // What a hit on an entry that can expire pays and one that cannot does not: an exact clock read.
      report.note(
        `one clock read on this machine: Date.now() ${clockNs(Date.now).toFixed(0)} ns, performance.now() ${clockNs(() => performance.now()).toFixed(0)} ns (median of 5 loops of ${CLOCK_CALLS.toLocaleString('en-US')} calls)`,
      );

      // An L1 miss that hits L2, against a plain L2 read. Before each pass the peer rewrites every
      // key, so its invalidations have emptied our L1.
      // Every contender of this table runs the same preparation before each pass, so that the
      // garbage the peer's 10,000 writes leave behind is collected during every contender's pass,
      // not only the tiered one's.
      const refill = async () => {
        for (let i = 0; i < keySpace; i += 500)
          await peer.setMany(keys.slice(i, i + 500).map((k, j) => [k, values[i + j] as Value]));
        await fill.clear();
      };
      /** One miss contender: a pass over every key after the same preparation. */
      const miss = (contender: string, mode: Mode, fn: (key: string) => Promise<unknown>): Measured => ({
        contender,
        op: 'get-hit',
        mode,
        ids: onePass,
        before: refill,
        fn: (id: number) => fn(keys[id] as string),
      });
      const missItems: Measured[] = MODES.flatMap((mode) => [
        miss(REDIS, mode, (k) => redis.get(k)),
        miss(REDIS_FILL, mode, async (k) => {
          const v = await redis.get(k);
          if (v !== undefined) await fill.set(k, v);
        }),
        miss(REDIS_ENTRY_FILL, mode, async (k) => {
          const e = await redisStore.getEntry!(k);
          if (e !== undefined) await fill.set(k, e.value);
        }),
        miss(TIERED_MISS, mode, (k) => tiered.get(k)),
      ]);
      const misses = await measure(missItems, passReps);
      report.ops('L1 miss (read L2, fill L1) vs an L2 read', misses, { baseline: REDIS });

      // The peer was only needed to empty our L1 before the miss passes. Its bus shares this
      // process with ours, and a publish waits (≤ 50 ms) until every bus of its process has the
      // message (so in-process caches see a write when it returns): left open, it would make each
      // write below wait for a delivery, which a process with one bus — the deployment measured
      // here — never does.
      await peerP.close();
      // The floor the issue sets for a write: the L2 write plus one PUBLISH (not waiting for delivery).
      const publisher = client();
      const listener = client();
      await listener.subscribe(`${channel}:floor-heard`);
      let heard = 0;
      listener.on('message', () => void heard++);
      /** The floor: the L2 write, then one PUBLISH of the key on `on`. */
      const setThenPublish = (contender: string, on: string, mode: Mode): Measured => ({
        contender,
        op: 'set',
        mode,
        ids: onePass,
        fn: async (id: number) => {
          await redis.set(keys[id] as string, values[id] as Value);
          await publisher.publish(on, keys[id] as string);
        },
      });
      const setItems: Measured[] = MODES.flatMap((mode) => [
        {
          contender: REDIS_SET,
          op: 'set',
          mode,
          ids: onePass,
          fn: (id: number) => redis.set(keys[id] as string, values[id] as Value),
        },
        setThenPublish(REDIS_SET_PUBLISH, `${channel}:floor`, mode),
        setThenPublish(REDIS_SET_PUBLISH_HEARD, `${channel}:floor-heard`, mode),
        {
          contender: TIERED_SET,
          op: 'set',
          mode,
          ids: onePass,
          fn: (id: number) => tiered.set(keys[id] as string, values[id] as Value),
        },
      ]);
      const sets = await measure(setItems, passReps);
      report.ops('write (L2 write + L1 + publish) vs an L2 write', sets, { baseline: REDIS_SET });

      report.note(`"${REDIS_SET_PUBLISH_HEARD}": this process heard ${heard} of those publishes back`);
      const find = (rs: readonly OpsResult[], c: string, op: string, mode: Mode) =>
        rs.find((r) => r.contender === c && r.op === op && r.mode === mode) as OpsResult;
      for (const mode of MODES) {
        /** Contender `a`'s ops/s over `b`'s for `op` in this mode, paired per repetition (`pairedRatio`). */
        const ratio = (rs: readonly OpsResult[], op: string, a: string, b: string) =>
          pairedRatio(find(rs, a, op, mode), find(rs, b, op, mode));
        const vsMemory = ratio(hits, 'get-hit', TIERED, MEMORY);
        const vsMemoryTtl = ratio(hits, 'get-hit', TIERED, MEMORY_TTL);
        const vsBento = ratio(hits, 'get-hit', TIERED, BENTO);
        const missCost = ratio(misses, 'get-hit', REDIS, TIERED_MISS);
        const missVsFloor = ratio(misses, 'get-hit', REDIS_FILL, TIERED_MISS);
        const missVsEntryFloor = ratio(misses, 'get-hit', REDIS_ENTRY_FILL, TIERED_MISS);
        const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
        const writeCost = ratio(sets, 'set', REDIS_SET, TIERED_SET);
        const writeVsFloor = ratio(sets, 'set', REDIS_SET_PUBLISH, TIERED_SET);
        const writeVsHeard = ratio(sets, 'set', REDIS_SET_PUBLISH_HEARD, TIERED_SET);
        report.note(
          `${mode}: L1 hit = ${vsMemory.toFixed(2)}x memory get-hit without TTL (target ≥ 0.8x ${verdict(vsMemory >= 0.8)}) and ${vsMemoryTtl.toFixed(2)}x with a TTL like every L1 copy's (${verdict(vsMemoryTtl >= 0.8)}), ${vsBento.toFixed(1)}x bentocache two-tier (target ≥ 5x ${verdict(vsBento >= 5)}); an L1 miss costs ${missCost.toFixed(2)}x an L2 read and ${missVsFloor.toFixed(2)}x an L2 read + L1 fill (target ≤ 1x ${verdict(missVsFloor <= 1)}), ${missVsEntryFloor.toFixed(2)}x an L2 read of the value with its expiry + L1 fill (${verdict(missVsEntryFloor <= 1)}); a write costs ${writeCost.toFixed(2)}x an L2 write, ${writeVsFloor.toFixed(2)}x an L2 write + PUBLISH (target ≤ 1x ${verdict(writeVsFloor <= 1)}) and ${writeVsHeard.toFixed(2)}x an L2 write + PUBLISH heard by this process, as on a bus (${verdict(writeVsHeard <= 1)})`,
        );
      }

      // Delivery delay to two other processes.
      const child = fileURLToPath(new URL('../tiered/bus-child.ts', import.meta.url));
      const children = [0, 1].map(() =>
        fork(child, [url, channel], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      );
      try {
        await Promise.all(
          children.map(
            (c) =>
              new Promise<void>((resolve, reject) => {
                c.once('message', () => resolve());
                c.once('exit', (code) => reject(new Error(`bus child exited with ${code}`)));
              }),
          ),
        );
        const sender = redisBus({ client: client(), channel });
        sender.subscribe({ onMessage() {}, onState() {} });
        await sender.ready();
        const n = smoke ? 200 : 5_000;
        for (let i = 0; i < n; i++) {
          await sender.publish('bench', { kind: 'keys', keys: [String(performance.timeOrigin + performance.now())] });
          if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
        }
        await new Promise((r) => setTimeout(r, 200));
        const all = await Promise.all(
          children.map(
            (c) =>
              new Promise<number[]>((resolve) => {
                c.once('message', (m) => resolve((m as { delays: number[] }).delays));
                c.send({ done: true });
              }),
          ),
        );
        await sender.close();
        const rows = all.map((d, i) => {
          const s = [...d].sort((a, b) => a - b);
          return {
            process: `child ${i + 1}`,
            received: `${d.length} of ${n}`,
            'p50 ms': percentile(s, 50),
            'p99 ms': percentile(s, 99),
            'max ms': s.at(-1) ?? Number.NaN,
          };
        });
        report.table('bus delivery delay, publish → other process (redisBus over pub/sub)', rows);
      } finally {
        for (const c of children) if (c.exitCode === null) c.kill();
      }
    } finally {
      for (const c of closers.reverse()) await c().catch(() => {});
      await dropPrefix(admin, prefix);
      for (const c of clients) c.disconnect();
      admin.disconnect();
    }
  },
};
