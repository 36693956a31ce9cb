import { isCacheError } from '@gocache/core';

/** One call made by `runTraffic`. */
export interface CallRecord {
  /** ms since traffic started. */
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
  /** CacheError code, `'HUNG'` when it did not settle within the watchdog, or `'OTHER'`. */
  readonly code: string | undefined;
}

/** Options of `runTraffic`. */
export interface TrafficOptions {
  /** Concurrent callers. */
  workers: number;
  /** A call that has not settled after this many ms counts as hung (and the worker moves on). */
  watchdogMs: number;
  /** The operation; `i` counts calls across workers. */
  call: (i: number) => Promise<unknown>;
}

/** Closed-loop traffic: `workers` callers each issue one call at a time until `stop()`. */
export function runTraffic(opts: TrafficOptions) {
  const t0 = performance.now();
  const calls: CallRecord[] = [];
  let stopped = false;
  let n = 0;
  let unsettled = 0;
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const start = performance.now() - t0;
      let code: string | undefined;
      let ok = false;
      unsettled++;
      let watchdog: NodeJS.Timeout | undefined;
      const hung = new Promise<'HUNG'>((r) => {
        watchdog = setTimeout(r, opts.watchdogMs, 'HUNG');
      });
      const p = opts.call(n++).then(
        () => {
          unsettled--;
          return 'OK' as const;
        },
        (e: unknown) => {
          unsettled--;
          return isCacheError(e) ? e.code : 'OTHER';
        },
      );
      const outcome = await Promise.race([p, hung]);
      clearTimeout(watchdog);
      if (outcome === 'OK') ok = true;
      else code = outcome;
      calls.push({ start, end: performance.now() - t0, ok, code });
      // Fail-fast errors settle synchronously-fast; yield so the timers of the test still run.
      if (!ok) await new Promise((r) => setImmediate(r));
    }
  };
  const done = Promise.all(Array.from({ length: opts.workers }, worker));
  return {
    calls,
    /** ms since traffic started. */
    now: () => performance.now() - t0,
    /** Calls issued but not settled yet (a hung call stays counted). */
    unsettled: () => unsettled,
    async stop(): Promise<void> {
      stopped = true;
      await done;
    },
  };
}

/** Calls that started in [from, to). */
export function between(calls: readonly CallRecord[], from: number, to: number): CallRecord[] {
  return calls.filter((c) => c.start >= from && c.start < to);
}

/** The q-quantile of call durations. */
export function durationQuantile(calls: readonly CallRecord[], q: number): number {
  const d = calls.map((c) => c.end - c.start).sort((a, b) => a - b);
  return d[Math.min(d.length - 1, Math.floor(q * d.length))] ?? 0;
}

/** Counts of process-level unhandled rejections and uncaught exceptions while installed. */
export function watchUnhandled() {
  const seen: unknown[] = [];
  const onRejection = (e: unknown) => seen.push(e);
  const onException = (e: unknown) => seen.push(e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
