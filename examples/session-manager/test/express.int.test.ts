import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('session-manager demo, express mode (Redis provider)', () => {
  // Fails, never skips, when Redis is unreachable: the script then exits non-zero.
  it('runs the same express app on Redis and every claim holds', () => {
    const r = spawnSync(process.execPath, ['src/express-main.ts'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('express mode, on the Redis provider at');
    expect(r.stdout).toContain('cache operations: get, touch;');
    expect(r.stdout).toContain('late save attempted: true; GET /me with the old cookie → userId null, note null');
    expect(r.stdout).toContain('destroyed 3, still logged in: 0, bob: bob');
    expect(r.stdout).not.toContain('✖');
    expect(r.stdout).toMatch(/✔ all 4 claims held/);
  });
});
