import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGlob } from './glob.js';

// Proves "Redis-compatible": random patterns give the same matches here as Redis's own SCAN MATCH.
// A throwaway redis-server of its own: SCAN walks the whole keyspace, so a busy shared server would
// make this slow, and nothing here may touch the shared one's data.
let port = 0;
let server: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'gocache-glob-'));
const cli = (args: string[], input?: string) =>
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

async function startRedis(): Promise<void> {
  port = await freePort();
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if (cli(['ping']).trim() === 'PONG') return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

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
  beforeAll(async () => {
    await startRedis();
    cli([], `${[...keys].map((k) => `SET ${redisQuote(prefix + k)} 1`).join('\n')}\n`);
  });
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
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
