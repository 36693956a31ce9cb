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

/** A suite file that could not be loaded (e.g. a package it needs is not built): a failure, not a crash. */
interface LoadFailure {
  file: string;
  error: unknown;
}

/**
 * Load suites from `src/suites/`. With names on the command line, files named `<name>.ts` are
 * loaded first, so running one suite does not depend on every other suite's imports; every file is
 * loaded only when some name is not found that way.
 */
async function discover(names: readonly string[]): Promise<{ suites: Suite[]; failures: LoadFailure[] }> {
  const dir = join(here, 'suites');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
  const suites: Suite[] = [];
  const failures: LoadFailure[] = [];
  const load = async (f: string) => {
    try {
      const mod = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
      const found = Object.values(mod).filter(isSuite);
      if (found.length === 0) throw new Error(`src/suites/${f} exports no Suite ({ name, description, run })`);
      for (const s of found) if (!suites.includes(s)) suites.push(s);
    } catch (error) {
      failures.push({ file: f, error });
    }
  };
  const direct = names.map((n) => `${n}.ts`);
  if (names.length > 0 && direct.every((f) => files.includes(f))) {
    for (const f of direct) await load(f);
    if (names.every((n) => suites.some((s) => s.name === n))) return { suites, failures };
    suites.length = 0;
    failures.length = 0;
  }
  for (const f of files) await load(f);
  return { suites, failures };
}

const { suites: all, failures } = await discover(wanted);
for (const f of failures) console.error(`✖ src/suites/${f.file} could not be loaded:`, f.error);
const unknown = wanted.filter((w) => !all.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${all.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length > 0 ? all.filter((s) => wanted.includes(s.name)) : all;
const resultsDir = join(here, '..', 'results');
// A suite file that failed to load fails the whole run (CI must notice), after the others ran.
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
    finishedAt: new Date().toISOString(),
    command: `node src/main.ts ${args.join(' ')}`.trim(),
  });
  console.log(`\n→ ${file} (${seconds.toFixed(1)} s)`);
}
console.log(
  `\n${chosen.length - failed.length}/${chosen.length} suites ran in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
if (failed.length > 0 || failures.length > 0) {
  console.error(`✖ failed: ${[...failed, ...failures.map((f) => `src/suites/${f.file} (load)`)].join(', ')}`);
  process.exit(1);
}
// Some contenders keep timers alive after close; the run is over, so leave explicitly.
process.exit(0);
