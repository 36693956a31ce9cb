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

const CHUNK = 1 << 16;

/**
 * Call records kept in columns (about 17 bytes a call instead of a ~90-byte object), so a test that
 * reads the live heap while a fail-fast outage cycles through 100,000 calls a second measures the
 * provider, not this log. Records become objects only when `calls` is read.
 */
class CallLog {
  readonly #starts: Float64Array[] = [];
  readonly #ends: Float64Array[] = [];
  readonly #codes: Uint8Array[] = [];
  readonly #codeNames: (string | undefined)[] = [undefined];
  readonly #objects: CallRecord[] = [];
  #n = 0;

  push(start: number, end: number, code: string | undefined): void {
    const c = this.#n >>> 16;
    const i = this.#n & (CHUNK - 1);
    if (i === 0) {
      this.#starts.push(new Float64Array(CHUNK));
      this.#ends.push(new Float64Array(CHUNK));
      this.#codes.push(new Uint8Array(CHUNK));
    }
    let k = this.#codeNames.indexOf(code);
    if (k === -1) k = this.#codeNames.push(code) - 1;
    this.#starts[c]![i] = start;
    this.#ends[c]![i] = end;
    this.#codes[c]![i] = k;
    this.#n++;
  }

  /** Every record so far, as objects (materialised incrementally). */
  records(): CallRecord[] {
    for (let j = this.#objects.length; j < this.#n; j++) {
      const c = j >>> 16;
      const i = j & (CHUNK - 1);
      const code = this.#codeNames[this.#codes[c]![i]!];
      this.#objects.push({ start: this.#starts[c]![i]!, end: this.#ends[c]![i]!, ok: code === undefined, code });
    }
    return this.#objects;
  }
}

/** Closed-loop traffic: `workers` callers each issue one call at a time until `stop()`. */
export function runTraffic(opts: TrafficOptions) {
  const t0 = performance.now();
  const log = new CallLog();
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
      log.push(start, performance.now() - t0, code);
      // Fail-fast errors settle synchronously-fast; yield so the timers of the test still run.
      if (!ok) await new Promise((r) => setImmediate(r));
    }
  };
  const done = Promise.all(Array.from({ length: opts.workers }, worker));
  return {
    /** Every call so far (read after heap measurements: it builds objects). */
    get calls(): CallRecord[] {
      return log.records();
    },
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
