import { describe, expect, it } from 'vitest';
import { runScript } from './run-script.ts';

describe('session-manager demo, multi-process mode (tiered caches on Redis)', () => {
  // Fails, never skips, when Redis is unreachable: the script then exits non-zero.
  it('a logout everywhere in one process reaches the other processes’ reads', () => {
    const r = runScript('multi-process-main.ts', true);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 processes, tiered caches');
    expect(r.stdout).toContain('revoked 3');
    expect(r.stdout).toMatch(/process 2: 0 left after [\d.]+ ms; process 3: 0 left after/);
    expect(r.stdout).not.toContain('✖');
    expect(r.stdout).toMatch(/✔ all 4 claims held/);
  });
});
