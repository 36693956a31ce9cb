import { describe, expect, it } from 'vitest';
import { runScript } from './run-script.ts';

describe('session-manager demo, express mode (memory provider)', () => {
  it('drives a real express app over HTTP and every claim holds', () => {
    const r = runScript('express-main.ts', false);
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
