import { allContenders, type Contender, type Value } from '../lib/contenders.ts';
import { createRng } from '../lib/rng.ts';
import { pairedCpuRatio, pairedRatio } from '../lib/stats.ts';
import type { OpsResult, Suite } from '../lib/suite.ts';
import { type Measured, type Mode, measure } from '../lib/timing.ts';
import { zipfSequence } from '../lib/zipf.ts';

const FLOOR = 'map floor';
const OURS = 'gocache memory';
const MODES: readonly Mode[] = ['seq', 'batch64'];

interface Workload {
  op: string;
  ids: Int32Array;
  fn: (c: Contender) => (id: number) => Promise<unknown>;
}

/**
 * Throughput and latency of the in-memory contenders on one workload: get-hit, get-miss, set,
 * getOrSet-hit and a 90/10 get/set mix over a Zipf(0.99) key sequence, sequential and in batches of
 * 64 concurrent promises.
 */
export const suite: Suite = {
  name: 'memory-ops',
  description: 'ops/s and latency: Map floor, lru-cache, cache-manager, bentocache, gocache memory',
  async run({ smoke, report }) {
    const keySpace = smoke ? 1_000 : 100_000;
    const length = smoke ? 2_000 : 50_000;
    // Short passes, many repetitions: interleaving at a finer grain spreads drift evenly.
    const reps = smoke ? 3 : 15;
    const keys = Array.from({ length: keySpace }, (_, i) => `user:${i}`);
    const missKeys = Array.from({ length: keySpace }, (_, i) => `absent:${i}`);
    const values: Value[] = keys.map((_, i) => ({ id: i, name: `user ${i}` }));
    const loader = (): Value => values[0] as Value;

    // Key sequences are drawn before anything is timed; the timed loop only indexes into them.
    const zipf = zipfSequence(keySpace, 0.99, length, 1);
    const rng = createRng(2);
    // Mix: ids >= keySpace mean "set key id - keySpace" (10%), the rest are gets.
    const mix = zipfSequence(keySpace, 0.99, length, 3).map((id) => (rng() < 0.1 ? id + keySpace : id));
    const workloads: Workload[] = [
      { op: 'get-hit', ids: zipf, fn: (c) => (id) => c.get(keys[id] as string) },
      { op: 'get-miss', ids: zipf, fn: (c) => (id) => c.get(missKeys[id] as string) },
      { op: 'set', ids: zipf, fn: (c) => (id) => c.set(keys[id] as string, values[id] as Value) },
      { op: 'getOrSet-hit', ids: zipf, fn: (c) => (id) => c.getOrSet(keys[id] as string, loader) },
      {
        op: 'mix 90/10',
        ids: mix,
        fn: (c) => (id) =>
          id >= keySpace
            ? c.set(keys[id - keySpace] as string, values[id - keySpace] as Value)
            : c.get(keys[id] as string),
      },
    ];

    const contenders = await allContenders({ capacity: keySpace });
    for (const c of contenders) for (let i = 0; i < keySpace; i++) await c.set(keys[i] as string, values[i] as Value);
    for (const c of contenders) {
      const v = await c.get(keys[0] as string);
      if (v !== values[0]) throw new Error(`${c.name} did not return the stored value after prefill`);
    }

    const all: OpsResult[] = [];
    for (const w of workloads) {
      for (const mode of MODES) {
        const items: Measured[] = contenders.map((c) => ({
          contender: c.name,
          op: w.op,
          mode,
          fn: w.fn(c),
          ids: w.ids,
        }));
        const res = await measure(items, reps);
        all.push(...res);
      }
    }
    for (const c of contenders) await c.close();

    report.ops(
      `Throughput (${length.toLocaleString('en-US')} ops per pass, median of ${reps} interleaved reps; ratios are medians of per-rep ratios; keys Zipf 0.99 over ${keySpace.toLocaleString('en-US')})`,
      all,
      { baseline: FLOOR },
    );
    report.table('Targets', targets(all));
  },
};

function find(all: readonly OpsResult[], contender: string, op: string, mode: Mode): OpsResult {
  const r = all.find((x) => x.contender === contender && x.op === op && x.mode === mode);
  if (!r) throw new Error(`no result for ${contender} ${op} ${mode}`);
  return r;
}

/**
 * The throughput targets, each with the measured figure and whether it held, by the wall
 * clock and by this process's CPU time (on a shared machine the two differ; see the README).
 */
function targets(all: readonly OpsResult[]) {
  const rows: {
    target: string;
    'wall clock': string;
    'met (wall)': boolean;
    'CPU time': string;
    'met (CPU)': boolean;
  }[] = [];
  const add = (target: string, wall: number, cpu: number, fmt: (v: number) => string, ok: (v: number) => boolean) =>
    rows.push({ target, 'wall clock': fmt(wall), 'met (wall)': ok(wall), 'CPU time': fmt(cpu), 'met (CPU)': ok(cpu) });
  const x = (v: number) => `${v.toFixed(2)}×`;
  const hit = find(all, OURS, 'get-hit', 'seq');
  const floor = find(all, FLOOR, 'get-hit', 'seq');
  add('get-hit seq ≥ 0.7× floor', pairedRatio(hit, floor), pairedCpuRatio(hit, floor), x, (v) => v >= 0.7);
  add(
    'get-hit seq ≥ 1,000,000 ops/s',
    hit.opsPerSec,
    hit.cpuOpsPerSec ?? hit.opsPerSec,
    (v) => Math.round(v).toLocaleString('en-US'),
    (v) => v >= 1e6,
  );
  rows.push({
    target: 'get-hit seq p50 < 1 µs',
    'wall clock': `${hit.p50Ns} ns`,
    'met (wall)': hit.p50Ns < 1000,
    'CPU time': '—',
    'met (CPU)': hit.p50Ns < 1000,
  });
  for (const op of ['get-hit', 'set', 'getOrSet-hit']) {
    for (const mode of MODES) {
      const ours = find(all, OURS, op, mode);
      const cm = find(all, 'cache-manager', op, mode);
      const bc = find(all, 'bentocache', op, mode);
      add(`${op} ${mode} ≥ 2× cache-manager`, pairedRatio(ours, cm), pairedCpuRatio(ours, cm), x, (v) => v >= 2);
      add(`${op} ${mode} ≥ 4× bentocache`, pairedRatio(ours, bc), pairedCpuRatio(ours, bc), x, (v) => v >= 4);
    }
  }
  return rows;
}
