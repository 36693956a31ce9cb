import { createHistogram } from 'node:perf_hooks';
import { median } from './stats.ts';
import type { OpsResult } from './suite.ts';

/** One operation on one key id. Must return a promise: every contender is driven through `await`. */
type AsyncOp = (id: number) => Promise<unknown>;

/** How a workload is issued. */
export type Mode = 'seq' | 'batch64';

/** Promises in flight per batch in `batch64` mode. */
const BATCH = 64;

async function runSeq(op: AsyncOp, ids: Int32Array): Promise<void> {
  for (let i = 0; i < ids.length; i++) await op(ids[i] as number);
}

async function runBatch(op: AsyncOp, ids: Int32Array): Promise<void> {
  const batch = new Array<Promise<unknown>>(BATCH);
  for (let i = 0; i < ids.length; i += BATCH) {
    const end = Math.min(i + BATCH, ids.length);
    for (let j = i; j < end; j++) batch[j - i] = op(ids[j] as number);
    batch.length = end - i;
    await Promise.all(batch);
    batch.length = BATCH;
  }
}

/**
 * Run the whole sequence once, untimed per op. Returns wall-clock ns and this process's CPU ns
 * (user + system): on a shared machine the wall clock also counts time the scheduler gave to other
 * processes, the CPU time does not.
 */
async function timedPass(op: AsyncOp, ids: Int32Array, mode: Mode): Promise<{ wallNs: number; cpuNs: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (mode === 'seq') await runSeq(op, ids);
  else await runBatch(op, ids);
  const wallNs = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  return { wallNs, cpuNs: Math.max(1, (c.user + c.system) * 1000) };
}

/**
 * A latency pass: per-op intervals for `seq` (`recordDelta` between consecutive completions, so
 * the timer costs one call per op), per-batch time / 64 for `batch64`. Kept separate from the
 * throughput passes so timer overhead never lowers the ops/s figures.
 */
async function latencyPass(op: AsyncOp, ids: Int32Array, mode: Mode): Promise<{ p50: number; p99: number }> {
  const h = createHistogram({ lowest: 1, highest: 60e9, figures: 3 });
  if (mode === 'seq') {
    h.recordDelta();
    for (let i = 0; i < ids.length; i++) {
      await op(ids[i] as number);
      h.recordDelta();
    }
  } else {
    const batch = new Array<Promise<unknown>>(BATCH);
    for (let i = 0; i < ids.length; i += BATCH) {
      const end = Math.min(i + BATCH, ids.length);
      const t0 = process.hrtime.bigint();
      for (let j = i; j < end; j++) batch[j - i] = op(ids[j] as number);
      batch.length = end - i;
      await Promise.all(batch);
      batch.length = BATCH;
      h.record(Math.max(1, Math.round(Number(process.hrtime.bigint() - t0) / (end - i))));
    }
  }
  return { p50: h.percentile(50), p99: h.percentile(99) };
}

/** One contender's operation to measure. */
export interface Measured {
  contender: string;
  op: string;
  mode: Mode;
  fn: AsyncOp;
  /** Key ids to replay (precomputed; the timed loop only indexes into it). */
  ids: Int32Array;
  /** Runs before each repetition, untimed (e.g. re-fill after a destructive op). */
  before?: () => Promise<void>;
}

/**
 * Measure several contenders on the same workload: one warm-up pass each, then `reps`
 * repetitions interleaved round-robin (so slow drift — GC, other processes, thermal — hits every
 * contender alike), then one latency pass each. Ops/s is the median repetition.
 */
export async function measure(items: readonly Measured[], reps: number): Promise<OpsResult[]> {
  for (const m of items) {
    await m.before?.();
    await timedPass(m.fn, m.ids, m.mode);
  }
  const perItem = items.map(() => [] as number[]);
  const perItemCpu = items.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < items.length; k++) {
      const m = items[k] as Measured;
      await m.before?.();
      const t = await timedPass(m.fn, m.ids, m.mode);
      (perItem[k] as number[]).push((m.ids.length * 1e9) / t.wallNs);
      (perItemCpu[k] as number[]).push((m.ids.length * 1e9) / t.cpuNs);
    }
  }
  const out: OpsResult[] = [];
  for (let k = 0; k < items.length; k++) {
    const m = items[k] as Measured;
    await m.before?.();
    const lat = await latencyPass(m.fn, m.ids, m.mode);
    const repsK = perItem[k] as number[];
    const cpuRepsK = perItemCpu[k] as number[];
    out.push({
      contender: m.contender,
      op: m.op,
      mode: m.mode,
      opsPerSec: median(repsK),
      cpuOpsPerSec: median(cpuRepsK),
      cpuReps: cpuRepsK,
      reps: repsK,
      p50Ns: lat.p50,
      p99Ns: lat.p99,
    });
  }
  return out;
}
