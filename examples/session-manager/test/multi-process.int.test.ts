import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('session-manager demo, multi-process mode (tiered caches on Redis)', () => {
  // Fails, never skips, when Redis is unreachable: the script then exits non-zero.
  it('a logout everywhere in one process reaches the other processes’ reads', () => {
    const r = spawnSync(process.execPath, ['src/multi-process-main.ts'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 processes, tiered caches');
    expect(r.stdout).toContain('revoked 3');
    expect(r.stdout).toMatch(/process 2: 0 left after [\d.]+ ms; process 3: 0 left after/);
    expect(r.stdout).not.toContain('✖');
    expect(r.stdout).toMatch(/✔ all 4 claims held/);
  });
});
