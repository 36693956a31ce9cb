import { createHistogram } from 'node:perf_hooks';
import { median } from '../lib/stats.ts';
import type { OpsResult } from '../lib/suite.ts';

/** One operation on one key id; every contender is driven through `await`. */
type AsyncOp = (id: number) => Promise<unknown>;

/** What one pass measured: wall time and the CPU time of the process that ran it. */
export interface PassResult {
  ns: number;
  cpuUs: number;
  /** Latency percentiles, for a pass run with `latency`. */
  p50Ns?: number;
  p99Ns?: number;
}

/**
 * Runs one pass of an item's op over `ids` with `inflight` workers, here or in another process
 * (see `contender-process.ts`); with `latency`, also records per-op latency.
 */
export type PassRunner = (ids: Int32Array, inflight: number, latency: boolean) => Promise<PassResult>;

/** One contender's operation at one concurrency. */
export interface InflightItem {
  contender: string;
  op: string;
  /** Operations kept in flight: `inflight` workers each await one op at a time. */
  inflight: number;
  run: PassRunner;
  /** Key ids to replay, precomputed so the timed loop only indexes into it. */
  ids: Int32Array;
}

/**
 * A closed loop with `inflight` workers: the usual shape of a server handling that many requests
 * at once. Unlike `Promise.all` batches there is no barrier, so a slow op does not idle the rest —
 * which is what pipelining clients (ioredis auto-pipelining, node-redis) are built for.
 */
async function pass(fn: AsyncOp, ids: Int32Array, inflight: number, latency: boolean): Promise<PassResult> {
  const h = latency ? createHistogram({ lowest: 1, highest: 60e9, figures: 3 }) : undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as number;
      if (h === undefined) await fn(id);
      else {
        const t0 = process.hrtime.bigint();
        await fn(id);
        h.record(Math.max(1, Number(process.hrtime.bigint() - t0)));
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(inflight, ids.length) }, worker));
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const out: PassResult = { ns, cpuUs: Math.max(1, cpu.user + cpu.system) };
  if (h !== undefined) {
    out.p50Ns = h.percentile(50);
    out.p99Ns = h.percentile(99);
  }
  return out;
}

/** A runner for an op in this process. */
export function localRunner(fn: AsyncOp): PassRunner {
  return (ids, inflight, latency) => pass(fn, ids, inflight, latency);
}

/**
 * Measure items side by side: a warm-up pass each, `reps` timed passes interleaved round-robin
 * (drift hits every contender alike; only one item runs at a time, wherever it runs), then one
 * latency pass each (per-op time under that concurrency, so it includes queueing). Ops/s is the
 * median repetition; mode is `inflight<N>`; ops per CPU-second counts the CPU of the process that
 * ran the item (the client), not Redis's.
 */
export async function measureInflight(items: readonly InflightItem[], reps: number): Promise<OpsResult[]> {
  for (const m of items) await m.run(m.ids, m.inflight, false);
  const perItem = items.map(() => [] as number[]);
  const cpuPerItem = items.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < items.length; k++) {
      const m = items[k] as InflightItem;
      const { ns, cpuUs } = await m.run(m.ids, m.inflight, false);
      (perItem[k] as number[]).push((m.ids.length * 1e9) / ns);
      (cpuPerItem[k] as number[]).push((m.ids.length * 1e6) / cpuUs);
    }
  }
  const out: OpsResult[] = [];
  for (let k = 0; k < items.length; k++) {
    const m = items[k] as InflightItem;
    const lat = await m.run(m.ids, m.inflight, true);
    const reps = perItem[k] as number[];
    const cpuReps = cpuPerItem[k] as number[];
    out.push({
      contender: m.contender,
      op: m.op,
      mode: `inflight${m.inflight}`,
      opsPerSec: median(reps),
      reps,
      cpuOpsPerSec: median(cpuReps),
      cpuReps,
      p50Ns: lat.p50Ns ?? 0,
      p99Ns: lat.p99Ns ?? 0,
    });
  }
  return out;
}
