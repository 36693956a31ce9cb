import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv, FIELD, KIND, SCRIPTS } from '../protocol.js';
import { fileOf, generate, INCLUDE } from './codegen.js';

const dir = import.meta.dirname;
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

describe('generated Lua module', () => {
  it('is up to date with src/lua/*.lua and src/protocol.ts (regenerate: pnpm generate)', async () => {
    await expect(generate(read)).toMatchFileSnapshot('./scripts.generated.ts');
  });

  it('has one .lua file per script, and no .lua file without a script', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.lua') && f !== 'prelude.lua')
      .sort();
    expect(files).toEqual(
      Object.keys(SCRIPTS)
        .map((n) => `${fileOf(n)}.lua`)
        .sort(),
    );
  });

  it('includes the helpers in every script that calls them, before the first call', () => {
    for (const name of Object.keys(SCRIPTS)) {
      const body = read(`${fileOf(name)}.lua`);
      const call = body.indexOf('helpers()');
      if (call === -1) continue;
      const include = body.indexOf(INCLUDE);
      expect(include, name).toBeGreaterThanOrEqual(0);
      expect(include, name).toBeLessThan(call);
    }
  });

  it('uses layout names that need no quoting in Lua and are distinct', () => {
    for (const v of [...Object.values(KIND), ...Object.values(FIELD)]) expect(v).toMatch(/^[A-Za-z0-9_:]+$/);
    expect(new Set(Object.values(KIND)).size).toBe(Object.values(KIND).length);
    expect(new Set(Object.values(FIELD)).size).toBe(Object.values(FIELD).length);
  });

  it('never spells a field or key kind as a literal in a script body (names come from the header)', () => {
    for (const name of Object.keys(SCRIPTS)) {
      const body = read(`${fileOf(name)}.lua`);
      // HSET/HMGET/HGET/HDEL/HEXISTS field arguments must be F_* names, not quoted letters.
      expect(body, name).not.toMatch(/'H(?:SET|MGET|GET|DEL|EXISTS)', [^,]+, '[a-z]'/);
      expect(body, name).not.toMatch(/\.\. '[elmui]:/);
    }
  });
});

describe('packed arguments', () => {
  it("argv joins a packed ARGV's arguments in their declared order, '' for those left out", () => {
    const args = argv('write', {
      value: 'v',
      mode: 'set',
      ttl: '',
      expires: '-1',
      version: 'a.1',
      now: '5',
      inline: '1',
    });
    expect(args).toEqual(['v', 'set  -1 a.1 5 1']);
    expect(argv('write', { value: 'v', mode: 'cas', token: 't' })).toEqual(['v', 'cas     ', '', '', '', 't']);
  });

  it('the generated header splits them back with one match per packed ARGV', () => {
    const source = generate(read);
    expect(source).toContain(
      "local A_mode, A_ttl, A_expires, A_version, A_now, A_inline = string.match(ARGV[2], '^(%S*) (%S*) (%S*) (%S*) (%S*) (%S*)$')",
    );
  });
});
