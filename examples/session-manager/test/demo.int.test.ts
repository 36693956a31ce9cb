import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('session-manager demo (Redis provider)', () => {
  // Fails, never skips, when Redis is unreachable: the demo then exits non-zero.
  it('runs the same script on Redis and every claim holds', () => {
    const r = spawnSync(process.execPath, ['src/main.ts'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('on the Redis provider at');
    expect(r.stdout).toContain('touches = 1000');
    expect(r.stdout).toContain('loader calls = 1, callers served = 1000');
    expect(r.stdout).toContain('revoked 3, readable afterwards 0');
    expect(r.stdout).toContain('after 450 ms: gone, index: 0 keys');
    expect(r.stdout).not.toContain('✖');
    expect(r.stdout).toMatch(/✔ all 8 claims held/);
  });
});
