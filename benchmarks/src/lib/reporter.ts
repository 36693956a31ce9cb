import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pairedCpuRatio, pairedRatio } from './stats.ts';
import type { OpsResult, Reporter, Row } from './suite.ts';
import { renderTable } from './table.ts';

/** A reporter that prints to stdout and collects everything for `results/<suite>.json`. */
export interface FileReporter extends Reporter {
  /** Write the collected results. */
  write(dir: string, fileStem: string, extra: Record<string, unknown>): string;
}

/** Environment recorded with every result file, so figures can be compared across machines. */
function environment(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpu[0]?.model ?? 'unknown',
    cpus: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    // Other processes compete for the CPU: the 1-minute load average says how much, at the end of the suite.
    loadAverage1m: loadavg()[0],
  };
}

/** Rows of an ops table: ratio columns relative to `baseline` for the same op and mode. */
function opsRows(results: readonly OpsResult[], baseline: string | undefined): Row[] {
  return results.map((r) => {
    const base = baseline
      ? results.find((b) => b.contender === baseline && b.op === r.op && b.mode === r.mode)
      : undefined;
    const row: Record<string, string | number | null> = {
      op: r.op,
      mode: r.mode,
      contender: r.contender,
      'ops/s (median)': Math.round(r.opsPerSec),
      'p50 ns': r.p50Ns,
      'p99 ns': r.p99Ns,
    };
    if (baseline) row[`× ${baseline}`] = base ? `${pairedRatio(r, base).toFixed(2)}×` : null;
    if (r.cpuOpsPerSec !== undefined) {
      row['ops/CPU-s'] = Math.round(r.cpuOpsPerSec);
      if (baseline) row[`× ${baseline} (CPU)`] = base ? `${pairedCpuRatio(r, base).toFixed(2)}×` : null;
    }
    return row;
  });
}

/** Create the reporter for one suite. */
export function createReporter(suite: string): FileReporter {
  const sections: unknown[] = [];
  const data: Record<string, unknown> = {};
  return {
    ops(title, results, opts) {
      console.log(`\n### ${title}\n`);
      console.log(renderTable(opsRows(results, opts?.baseline)));
      sections.push({ kind: 'ops', title, baseline: opts?.baseline ?? null, results });
    },
    table(title, rows) {
      console.log(`\n### ${title}\n`);
      console.log(renderTable(rows));
      sections.push({ kind: 'table', title, rows });
    },
    note(text) {
      console.log(text);
      sections.push({ kind: 'note', text });
    },
    data(key, value) {
      data[key] = value;
    },
    write(dir, fileStem, extra) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${fileStem}.json`);
      writeFileSync(
        file,
        `${JSON.stringify({ suite, ...extra, environment: environment(), sections, data }, null, 2)}\n`,
      );
      return file;
    },
  };
}
