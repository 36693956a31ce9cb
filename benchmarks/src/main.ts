import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createReporter } from './lib/reporter.ts';
import type { Suite } from './lib/suite.ts';

// Usage: node src/main.ts [--smoke] [suite ...]   (no names: every suite in src/suites/)
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const wanted = args.filter((a) => !a.startsWith('--'));

function isSuite(v: unknown): v is Suite {
  const s = v as Partial<Suite> | null;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.run === 'function';
}

async function discover(): Promise<Suite[]> {
  const dir = join(here, 'suites');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
  const suites: Suite[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
    const found = Object.values(mod).filter(isSuite);
    if (found.length === 0) throw new Error(`src/suites/${f} exports no Suite ({ name, description, run })`);
    for (const s of found) if (!suites.includes(s)) suites.push(s);
  }
  return suites;
}

const all = await discover();
const unknown = wanted.filter((w) => !all.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${all.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length > 0 ? all.filter((s) => wanted.includes(s.name)) : all;
const resultsDir = join(here, '..', 'results');
const failed: string[] = [];
const started = Date.now();
for (const suite of chosen) {
  console.log(`\n## ${suite.name}${smoke ? ' (smoke)' : ''} — ${suite.description}`);
  const report = createReporter(suite.name);
  const t0 = Date.now();
  try {
    await suite.run({ smoke, report });
  } catch (err) {
    failed.push(suite.name);
    console.error(`✖ suite ${suite.name} failed:`, err);
    continue;
  }
  const seconds = (Date.now() - t0) / 1000;
  // Smoke results go to <suite>.smoke.json so a CI run never overwrites real figures.
  const file = report.write(resultsDir, smoke ? `${suite.name}.smoke` : suite.name, {
    smoke,
    seconds,
    command: `node src/main.ts ${args.join(' ')}`.trim(),
  });
  console.log(`\n→ ${file} (${seconds.toFixed(1)} s)`);
}
console.log(
  `\n${chosen.length - failed.length}/${chosen.length} suites ran in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
if (failed.length > 0) {
  console.error(`✖ failed: ${failed.join(', ')}`);
  process.exit(1);
}
// Some contenders keep timers alive after close; the run is over, so leave explicitly.
process.exit(0);
