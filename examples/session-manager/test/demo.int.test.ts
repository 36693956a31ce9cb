import { describe, expect, it } from 'vitest';
import { runScript } from './run-script.ts';

describe('session-manager demo (Redis provider)', () => {
  // Fails, never skips, when Redis is unreachable: the demo then exits non-zero.
  it('runs the same script on Redis and every claim holds', () => {
    const r = runScript('main.ts', true);
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
