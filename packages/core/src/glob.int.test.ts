import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGlob } from './glob.js';

// Proves "Redis-compatible": random patterns give the same matches here as Redis's own SCAN MATCH.
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const cli = (args: string[], input?: string) =>
  execFileSync('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', ...args], {
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });

const prefix = `gocache-glob-test-${randomBytes(6).toString('hex')}:`;
const alphabet = ['a', 'b', 'c', '-', '^', '*', '?', '[', ']', '\\'];
const keys = new Set<string>();
for (const x of alphabet) {
  keys.add(x);
  for (const y of alphabet) {
    keys.add(x + y);
    for (const z of ['a', 'b', '-', ']']) keys.add(x + y + z);
  }
}

const redisQuote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

describe('compileGlob agrees with Redis', () => {
  beforeAll(() => {
    expect(cli(['ping']).trim()).toBe('PONG');
    cli([], `${[...keys].map((k) => `SET ${redisQuote(prefix + k)} 1`).join('\n')}\n`);
  });
  afterAll(() => {
    cli([], `${[...keys].map((k) => `DEL ${redisQuote(prefix + k)}`).join('\n')}\n`);
  });

  it('on random ASCII patterns over glob metacharacters', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 5 }), (chars) => {
        const pattern = chars.join('');
        const fromRedis = cli(['--scan', '--pattern', prefix + pattern])
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => l.slice(prefix.length))
          .sort();
        const g = compileGlob(pattern);
        const ours = [...keys].filter((k) => g.test(k)).sort();
        expect(ours, `pattern ${JSON.stringify(pattern)}`).toEqual(fromRedis);
      }),
      { numRuns: 200 },
    );
  });
});
