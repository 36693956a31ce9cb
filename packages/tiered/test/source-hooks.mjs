// Lets a child process run this repo's TypeScript sources directly (Node ≥ 22.18 strips types):
// `@gocache/<pkg>[/<sub>]` resolves to the package's source entry, and a relative `./x.js` to `./x.ts`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sources = new Map();
for (const name of readdirSync(packages)) {
  const file = join(packages, name, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  for (const [sub, src] of Object.entries(pkg.gocacheSource ?? { '.': './src/index.ts' })) {
    sources.set(sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`, pathToFileURL(join(packages, name, src)).href);
  }
}

registerHooks({
  resolve(specifier, context, next) {
    const mapped = sources.get(specifier);
    if (mapped !== undefined) return { url: mapped, shortCircuit: true, format: 'module-typescript' };
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const ts = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true, format: 'module-typescript' };
    }
    return next(specifier, context);
  },
});
