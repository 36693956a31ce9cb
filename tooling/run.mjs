#!/usr/bin/env node
// Entry point for the README's commands. Runs on any Node >= 20 with npm: it provides the
// project's own Node 24 and pnpm under .tooling/ (from the npm registry's `node` and `pnpm`
// packages, never touching system files), then runs the requested task with them first on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const NODE_VERSION = pkg.gocache.node;
const PNPM_VERSION = pkg.packageManager.replace(/^pnpm@/, '');
const toolDir = join(root, '.tooling');
const binDir = join(toolDir, 'node_modules', '.bin');
const stamp = join(toolDir, 'stamp.json');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, args, opts) {
  const code = run(cmd, args, opts);
  if (code !== 0) {
    console.error(`\n✖ ${cmd} ${args.join(' ')} failed with exit code ${code}`);
    process.exit(code);
  }
}

function ensureToolchain() {
  const want = JSON.stringify({ node: NODE_VERSION, pnpm: PNPM_VERSION });
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
  const nodeBin = join(binDir, 'node');
  if (have === want && existsSync(nodeBin)) return;
  mkdirSync(toolDir, { recursive: true });
  writeFileSync(join(toolDir, 'package.json'), '{"private":true,"name":"gocache-tooling"}\n');
  console.log(`› providing Node ${NODE_VERSION} and pnpm ${PNPM_VERSION} in .tooling/ (npm registry)`);
  must('npm', [
    'install',
    '--prefix',
    toolDir,
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `node@${NODE_VERSION}`,
    `pnpm@${PNPM_VERSION}`,
  ]);
  const v = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0 || v.stdout.trim() !== `v${NODE_VERSION}`) {
    console.error(
      `✖ .tooling/ node did not install (got: ${v.stdout || v.stderr}); npm must allow the node package's install script`,
    );
    process.exit(1);
  }
  writeFileSync(stamp, want);
}

const env = {
  ...process.env,
  PATH: `${binDir}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};
const pnpm = (args) => must(join(binDir, 'pnpm'), args, { env });

// Every workspace folder that may hold a vitest JSON report.
function reportFiles() {
  const dirs = ['benchmarks'];
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group))) dirs.push(join(group, name));
  }
  return dirs.map((d) => join(root, d, '.vitest-report.json'));
}

/** Sum the vitest reports into one closing line, so a reader (or CI) sees what ran. */
function summarize() {
  let passed = 0;
  let failed = 0;
  let files = 0;
  for (const f of reportFiles()) {
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    files++;
  }
  console.log(`\nvitest reports from ${files} workspaces:`);
  console.log(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}

const tasks = {
  setup() {
    ensureToolchain();
    pnpm(['install', ...(process.env.CI ? ['--frozen-lockfile'] : []), '--reporter=append-only']);
  },
  build() {
    tasks.setup();
    pnpm(['turbo', 'run', 'build', '--output-logs=errors-only']);
  },
  demo() {
    tasks.build();
    pnpm(['--filter', '@gocache/example-session-manager', 'start']);
  },
  test() {
    tasks.build();
    for (const f of reportFiles()) rmSync(f, { force: true });
    // Run every step even after a failure, so one run shows everything that is wrong.
    const steps = [
      [
        'turbo',
        'run',
        'typecheck',
        'lint',
        'test',
        'check:package',
        '--output-logs=errors-only',
        '--concurrency=2',
        '--continue',
      ],
      ['exec', 'biome', 'check', 'tooling'],
      ['exec', 'knip'],
      ['--filter', '@gocache/benchmarks', 'smoke'],
      ['--filter', '@gocache/example-session-manager', 'start'],
    ];
    const failedSteps = steps.filter((args) => run(join(binDir, 'pnpm'), args, { env }) !== 0);
    const { passed, failed } = summarize();
    for (const s of failedSteps) console.error(`✖ pnpm ${s.join(' ')} failed`);
    if (failedSteps.length > 0 || failed > 0 || passed === 0) process.exit(1);
    console.log('✔ all checks passed');
  },
  bench() {
    tasks.build();
    pnpm(['--filter', '@gocache/benchmarks', 'bench', ...process.argv.slice(3)]);
  },
  pnpm() {
    ensureToolchain();
    pnpm(process.argv.slice(3));
  },
};

const task = process.argv[2] ?? 'test';
if (!(task in tasks)) {
  console.error(`unknown task "${task}"; one of: ${Object.keys(tasks).join(', ')}`);
  process.exit(2);
}
tasks[task]();
