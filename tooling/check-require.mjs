#!/usr/bin/env node
// Proves that CommonJS users can `require()` this ESM-only package (Node's require(esm)): run in a
// package directory after its build; it requires the package by its own name (self-reference
// through the exports map) and every subpath export.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const require = createRequire(join(dir, 'package.json'));
const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json');
for (const sub of subpaths) {
  const spec = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
  const mod = require(spec);
  const names = Object.keys(mod);
  if (names.length === 0) throw new Error(`require('${spec}') returned no exports`);
  console.log(`require('${spec}') → ${names.length} exports`);
}
