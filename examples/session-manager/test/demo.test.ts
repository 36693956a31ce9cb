import { describe, expect, it } from 'vitest';
import { runScript } from './run-script.ts';

describe('session-manager demo (memory provider)', () => {
  it('runs to the end, every claim holds, and it exits 0', () => {
    // The demo runs as users run it: plain Node on the TypeScript source, @gocache/* from dist.
    const r = runScript('main.ts', false);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('on the memory provider');
    expect(r.stdout).toContain('✔ no touch is lost: the counter ends at exactly 1,000 — touches = 1000');
    expect(r.stdout).toContain('loader calls = 1, callers served = 1000');
    expect(r.stdout).toContain('revoked 3, readable afterwards 0');
    expect(r.stdout).toContain('after 450 ms: gone, index: 0 keys');
    expect(r.stdout).toMatch(/update\s+1000\s+0\s/);
    expect(r.stdout).not.toContain('✖');
    expect(r.stdout).toMatch(/✔ all 8 claims held/);
  });
});
