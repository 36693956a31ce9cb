import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createCache } from '@gocache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPrefix, tieredProcess, unique } from '../test/setup.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const hooks = fileURLToPath(new URL('../test/source-hooks.mjs', import.meta.url));
const reader = fileURLToPath(new URL('../test/session-reader.ts', import.meta.url));
const now = () => performance.timeOrigin + performance.now();

/** The next IPC message from `child` that has `field`. */
function next<T>(child: ChildProcess, field: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && field in m) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as T);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`session reader exited (${code}) before sending ${field}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

describe('a revoked session across real processes', () => {
  const prefix = unique('proc');
  const channel = unique('bus');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await dropPrefix(prefix);
  });

  it('is never returned by another process once the invalidation reached it (2 processes, ioredis and node-redis, 20 rounds)', async () => {
    for (const lib of ['ioredis', 'node-redis']) {
      const c = spawn(process.execPath, ['--import', hooks, reader, lib, URL_, prefix, channel], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(c);
    }
    await Promise.all(children.map((c) => next(c, 'ready')));
    const writer = await tieredProcess('ioredis', { prefix, channel });
    const sessions = createCache<{ user: string }>(writer.provider, { name: 'sessions' });
    await writer.bus.ready();
    const delays: number[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const key = `s:${round}`;
        await sessions.set(key, { user: `u${round}` });
        for (const c of children) c.send({ watch: key });
        await Promise.all(children.map((c) => next(c, 'saw'))); // in each reader's L1 now
        const revokeStart = now();
        await sessions.delete(key);
        const revoked = now();
        await new Promise((r) => setTimeout(r, 30));
        const reports = await Promise.all(
          children.map((c) => {
            const p = next<{ lastHitStart: number; invalidatedAt: number; reads: number }>(c, 'lastHitStart');
            c.send({ report: true });
            return p;
          }),
        );
        for (const [i, r] of reports.entries()) {
          expect(r.invalidatedAt, `round ${round}, reader ${i}: the invalidation arrived`).toBeGreaterThan(0);
          // No read that began after the message arrived returned the session.
          expect(r.lastHitStart, `round ${round}, reader ${i}`).toBeLessThan(r.invalidatedAt);
          // And the message arrived no later than the revocation's own completion plus delivery.
          expect(r.invalidatedAt - revokeStart).toBeLessThan(1000);
          delays.push(Math.max(0, r.invalidatedAt - revoked));
        }
      }
    } finally {
      for (const c of children) c.send({ exit: true });
      await writer.close();
    }
    delays.sort((a, b) => a - b);
    console.log(
      `invalidation arrival after delete() resolved, ${delays.length} samples: p50 ${delays[Math.floor(delays.length / 2)]?.toFixed(2)} ms, max ${delays.at(-1)?.toFixed(2)} ms`,
    );
  });
});
