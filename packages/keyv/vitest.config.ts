import { gocacheVitest } from '../../tooling/vitest.preset.ts';

const config = gocacheVitest({ int: true });
// The README's NestJS example uses Nest's (legacy) decorators, as Nest apps do with
// `experimentalDecorators`; the README examples run from a folder no tsconfig includes.
for (const project of config.test?.projects ?? []) {
  if (typeof project === 'object' && project !== null) Object.assign(project, { oxc: { decorator: { legacy: true } } });
}

export default config;
