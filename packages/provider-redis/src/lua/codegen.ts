import { FIELD, KIND, type Names, packedOf, SCRIPTS, type ScriptName } from '../protocol.js';

/**
 * Turns `src/lua/*.lua` and the protocol of `src/protocol.ts` into `scripts.generated.ts`: each
 * script's source is a header binding the layout's names (`KIND_*`), the entry hash's field names
 * (`F_*`) and the script's own KEYS (`K_<name>`) and ARGV (`A_<name>`) to locals — only the names
 * the script uses, since every local costs Redis time on every call — then the script's file, in
 * which a line `--#include prelude.lua` stands for the shared helpers. A script places it where
 * it first needs them, so a path that returns before it (the usual write) never creates them.
 * Nothing else in a script is rewritten.
 *
 * Run by `codegen.test.ts`, which fails while the checked-in module differs from what this makes
 * (`pnpm --filter @gocache/provider-redis generate` writes it). Tests only: not part of the build.
 */
export function generate(readLua: (file: string) => string): string {
  const prelude = readLua('prelude.lua');
  let out =
    '// Generated from src/lua/*.lua and src/protocol.ts by src/lua/codegen.ts: do not edit.\n' +
    '// Regenerate with `pnpm --filter @gocache/provider-redis generate`.\n\n' +
    '/** The full Lua source of each script (header, helpers where used, body). */\n' +
    'export const LUA_SOURCES = {\n';
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    const body = readLua(`${fileOf(name)}.lua`)
      .split('\n')
      .map((line) => (line === INCLUDE ? prelude.trimEnd() : line))
      .join('\n');
    const spec = SCRIPTS[name];
    const source = header(spec.keys, spec.argv, packedOf(name), body) + body;
    out += `  ${name}: \`${escapeTemplate(source)}\`,\n`;
  }
  return `${out}} as const;\n`;
}

/** The line of a script that stands for `prelude.lua`. */
export const INCLUDE = '--#include prelude.lua';

/** The file of a script: `refAdd` → `ref_add`. */
export function fileOf(name: string): string {
  let f = '';
  for (const ch of name) f += ch >= 'A' && ch <= 'Z' ? `_${ch.toLowerCase()}` : ch;
  return f;
}

/** `hasRefs` → `HAS_REFS`. */
function constName(name: string): string {
  return fileOf(name).toUpperCase();
}

function header(keys: Names, argv: Names, packed: Readonly<Record<string, Names>>, body: string): string {
  const lines = ['-- generated header: names from src/protocol.ts'];
  const bind = (names: string[], values: string[]) => {
    // Only the names the script mentions (a name that is a prefix of another may come along).
    const used = names.flatMap((n, i) => (body.includes(n) ? [i] : []));
    if (used.length > 0)
      lines.push(`local ${used.map((i) => names[i]).join(', ')} = ${used.map((i) => values[i]).join(', ')}`);
  };
  const kinds = Object.entries(KIND);
  bind(
    kinds.map(([k]) => `KIND_${constName(k)}`),
    kinds.map(([, v]) => luaString(v)),
  );
  const fields = Object.entries(FIELD);
  bind(
    fields.map(([k]) => `F_${constName(k)}`),
    fields.map(([, v]) => luaString(v)),
  );
  bind(
    keys.map((k) => `K_${k}`),
    keys.map((_, i) => `KEYS[${i + 1}]`),
  );
  const plain = argv.flatMap((a, i) => (packed[a] === undefined ? [[a, i] as const] : []));
  bind(
    plain.map(([a]) => `A_${a}`),
    plain.map(([, i]) => `ARGV[${i + 1}]`),
  );
  // A packed ARGV: every part, in order, split off by one pattern match (parts hold no spaces).
  for (const [a, parts] of Object.entries(packed)) {
    const pattern = `^${parts.map(() => '(%S*)').join(' ')}$`;
    lines.push(
      `local ${parts.map((p) => `A_${p}`).join(', ')} = string.match(ARGV[${argv.indexOf(a) + 1}], '${pattern}')`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function luaString(s: string): string {
  // Layout names are short ASCII without quotes or backslashes (checked by the codegen test).
  return `'${s}'`;
}

function escapeTemplate(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');
}
