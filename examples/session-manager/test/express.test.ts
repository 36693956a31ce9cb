import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('session-manager demo, express mode (memory provider)', () => {
  it('drives a real express app over HTTP and every claim holds', () => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    const r = spawnSync(process.execPath, ['src/express-main.ts'], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('express mode, on the memory provider');
    expect(r.stdout).toContain('cache operations: get, touch;');
    expect(r.stdout).toContain('late save attempted: true; GET /me with the old cookie → userId null, note null');
    expect(r.stdout).toContain('destroyed 3, still logged in: 0, bob: bob');
    expect(r.stdout).not.toContain('✖');
    expect(r.stdout).toMatch(/✔ all 4 claims held/);
  });
});
