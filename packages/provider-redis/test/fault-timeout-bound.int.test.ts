import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCache, isCacheError } from '@gocache/core';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { startRedisServer } from '../src/testing/redis-server.js';
import { dropPrefix, ioredisClient, testPrefix } from './clients.js';

const COMMAND_TIMEOUT = 300;
const server = await startRedisServer();
const io = await ioredisClient();
const prefix = testPrefix();
afterAll(async () => {
  server.resume();
  await server.stop();
  await dropPrefix(io, prefix);
  io.disconnect();
});

interface Lateness {
  calls: number;
  lateMs: { min: number; p50: number; p99: number; max: number };
  loopDelayMs: { p50: number; p99: number; max: number };
}

/**
 * 64 callers against a frozen server for 2 s, with `loadWorkers` gets in flight on the healthy
 * shared server in the same process: how long after commandTimeout each TIMEOUT settles, next to
 * the event loop's own delay over the same period.
 */
async function measure(loadWorkers: number): Promise<Lateness> {
  const frozen = new Redis(server.url, { enableAutoPipelining: true });
  frozen.on('error', () => {});
  await frozen.ping();
  const stuck = createCache<number>(
    redisProvider({ client: frozen, prefix, commandTimeout: COMMAND_TIMEOUT, circuitBreaker: false }),
    { name: 'stuck' },
  );
  const busy = createCache<number>(redisProvider({ client: io, prefix }), { name: 'busy' });
  await busy.set('k', 1);
  let stop = false;
  const load = Array.from({ length: loadWorkers }, async () => {
    while (!stop) await busy.get('k');
  });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  server.pause(); // SIGSTOP: sockets stay open, nothing answers
  const late: number[] = [];
  const until = performance.now() + 2000;
  let codes = new Set<string>();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const e = await stuck.get('x').catch((x: unknown) => x);
        late.push(performance.now() - t0 - COMMAND_TIMEOUT);
        codes.add(isCacheError(e) ? e.code : String(e));
      }
    }),
  );
  lag.disable();
  stop = true;
  await Promise.all(load);
  server.resume();
  await Promise.all([stuck.close(), busy.close()]);
  frozen.disconnect();
  expect([...codes]).toEqual(['TIMEOUT']);
  codes = new Set();
  late.sort((a, b) => a - b);
  const q = (p: number) => Number(late[Math.min(late.length - 1, Math.floor(p * late.length))]!.toFixed(2));
  const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
  return {
    calls: late.length,
    lateMs: { min: q(0), p50: q(0.5), p99: q(0.99), max: q(1) },
    loopDelayMs: { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) },
  };
}

describe('how late a TIMEOUT settles', () => {
  for (const loadWorkers of [0, 256]) {
    it(`${loadWorkers === 0 ? 'idle' : `under load (${loadWorkers} gets in flight)`}: at commandTimeout plus the event loop delay, never early`, async () => {
      const summary = await measure(loadWorkers);
      console.log('timeout-bound', JSON.stringify({ loadWorkers, ...summary }));
      expect(summary.calls).toBeGreaterThanOrEqual(64 * 6);
      expect(summary.lateMs.min).toBeGreaterThanOrEqual(-1); // never more than 1 ms early
      // Late by the event loop's own delay (plus the 1 ms timer granularity), not by the deadline list.
      expect(summary.lateMs.max).toBeLessThanOrEqual(summary.loopDelayMs.max + 3);
      await sleep(0);
    });
  }
});
