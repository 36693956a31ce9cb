/**
 * The contract between `src/main.ts` and a benchmark suite. A suite is a file in `src/suites/`
 * whose default or named `suite` export is a `Suite`; main discovers it by file name.
 */

/** A table cell: numbers are formatted by the printer, strings printed as given. */
export type Cell = string | number | boolean | null;

/** One row of a free-form table, column name → cell. Column order is the first row's key order. */
export type Row = Readonly<Record<string, Cell>>;

/** One measured operation of one contender (see `lib/timing.ts`, which produces these). */
export interface OpsResult {
  /** Who ran it, e.g. `'map floor'`, `'lru-cache'`, `'gocache memory'`. */
  readonly contender: string;
  /** What ran, e.g. `'get-hit'`. */
  readonly op: string;
  /** How it ran, e.g. `'seq'` (one await at a time) or `'batch64'` (64 concurrent promises). */
  readonly mode: string;
  /** Median ops/s over the repetitions. */
  readonly opsPerSec: number;
  /** Ops/s of every repetition, in run order. */
  readonly reps: readonly number[];
  /**
   * Median ops per second of this process's CPU time (user + system), where measured: what the
   * machine does when nothing else competes for it. `opsPerSec` is wall-clock.
   */
  readonly cpuOpsPerSec?: number;
  /** Ops per CPU-second of every repetition, in run order. */
  readonly cpuReps?: readonly number[];
  /** Latency percentiles of one operation (for batches: one batch divided by its size), in ns. */
  readonly p50Ns: number;
  readonly p99Ns: number;
}

/** Where a suite sends its results: printed as tables and written to `results/<suite>.json`. */
export interface Reporter {
  /**
   * Print a throughput table for `results` with ops/s, p50/p99 and the ratio of each contender to
   * `baseline` (the contender name every other is divided by, per op and mode).
   */
  ops(title: string, results: readonly OpsResult[], opts?: { baseline?: string }): void;
  /** Print a free-form table and record it in the JSON. */
  table(title: string, rows: readonly Row[]): void;
  /** Print a line of prose (targets met/missed, caveats). Recorded in the JSON too. */
  note(text: string): void;
  /** Record extra data in the JSON only, under `key`. */
  data(key: string, value: unknown): void;
}

/** What `run` receives. */
interface SuiteContext {
  /** Tiny sizes: every contender and operation still runs once, the whole smoke run takes < ~60 s. */
  readonly smoke: boolean;
  readonly report: Reporter;
}

/** A benchmark suite. `name` is what you type on the command line: `pnpm bench <name>`. */
export interface Suite {
  readonly name: string;
  /** One line, printed before the suite runs. */
  readonly description: string;
  run(ctx: SuiteContext): Promise<void>;
}
