import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pairedCpuRatio, pairedRatio } from './lib/stats.ts';
import type { OpsResult, Row } from './lib/suite.ts';
import { renderTable } from './lib/table.ts';

// Usage: node src/results-markdown.ts [suite ...] — renders results/<suite>.json as the Markdown the
// READMEs carry, so published figures are exactly what a run wrote. Throughput tables are pivoted
// (one row per op and mode, one column per contender) to stay readable.

interface Section {
  kind: 'ops' | 'table' | 'note';
  title?: string;
  baseline?: string | null;
  results?: OpsResult[];
  rows?: Row[];
  text?: string;
}

interface ResultFile {
  suite: string;
  command: string;
  seconds: number;
  finishedAt?: string;
  environment: Record<string, unknown>;
  sections: Section[];
}

const here = dirname(fileURLToPath(import.meta.url));
const names = process.argv.slice(2);
const fmtOps = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${Math.round(n / 1e3)} k`);

function pivot(results: readonly OpsResult[], baseline: string | null | undefined, cpu: boolean): Row[] {
  const contenders = [...new Set(results.map((r) => r.contender))];
  const last = contenders[contenders.length - 1] as string;
  const groups = [...new Set(results.map((r) => `${r.op}\0${r.mode}`))];
  const speed = (r: OpsResult | undefined) => (cpu ? r?.cpuOpsPerSec : r?.opsPerSec) ?? 0;
  return groups.map((g) => {
    const [op, mode] = g.split('\0') as [string, string];
    const row: Record<string, string> = { op, mode };
    const of = (c: string) => results.find((r) => r.contender === c && r.op === op && r.mode === mode);
    for (const c of contenders) row[c] = fmtOps(speed(of(c)));
    const ours = of(last);
    const base = baseline ? of(baseline) : undefined;
    if (ours && base) {
      row[`${last} ÷ ${baseline}`] = `${(cpu ? pairedCpuRatio(ours, base) : pairedRatio(ours, base)).toFixed(2)}×`;
    }
    if (ours && !cpu) row[`${last} p50 / p99`] = `${ours.p50Ns} / ${ours.p99Ns} ns`;
    return row;
  });
}

for (const name of names) {
  const file = JSON.parse(readFileSync(join(here, '..', 'results', `${name}.json`), 'utf8')) as ResultFile;
  const env = file.environment;
  console.log(`### ${file.suite}\n`);
  console.log(
    `\`${file.command}\` — ${file.finishedAt ?? ''}, Node ${String(env.node)}, ${String(env.cpus)}× ${String(env.cpu)}, ` +
      `load average ${String(env.loadAverage1m)} (shared machine), ${file.seconds.toFixed(0)} s\n`,
  );
  for (const s of file.sections) {
    if (s.kind === 'note') console.log(`${s.text}\n`);
    else if (s.kind === 'ops' && s.results) {
      console.log(`${s.title} — ops/s by the wall clock:\n\n${renderTable(pivot(s.results, s.baseline, false))}\n`);
      if (s.results.every((r) => r.cpuOpsPerSec !== undefined)) {
        console.log(
          `Ops per second of this process's CPU time:\n\n${renderTable(pivot(s.results, s.baseline, true))}\n`,
        );
      }
    } else if (s.kind === 'table' && s.rows) console.log(`${s.title}:\n\n${renderTable(s.rows)}\n`);
  }
}
