import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCache } from '@gocache/core';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisProvider } from '../src/index.js';
import { startRedisServer } from '../src/testing/redis-server.js';
import { between, durationQuantile, runTraffic, watchUnhandled } from './fault-traffic.js';

const COMMAND_TIMEOUT = 300;

// A full GC before each heap reading, so that the comparison is of live memory, not of garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
const server = await startRedisServer();
afterAll(() => server.stop());

/** How a client is made and how deep its own offline queue is (commands it holds while down). */
interface ClientKit {
  client: unknown;
  errors: () => number;
  /** ioredis: its offline queue's length; node-redis: commands handed to it while not ready (cumulative). */
  offlineQueued: () => number;
  close: () => void;
}

async function ioredisKit(): Promise<ClientKit> {
  const client = new Redis(server.url, { lazyConnect: true });
  let errors = 0;
  // An application attaches this; the provider never adds listeners to a client it does not own.
  client.on('error', () => errors++);
  await client.connect();
  return {
    client,
    errors: () => errors,
    offlineQueued: () => (client as unknown as { offlineQueue: { length: number } }).offlineQueue.length,
    close: () => client.disconnect(),
  };
}

async function nodeRedisKit(): Promise<ClientKit> {
  const raw = createClient({ url: server.url });
  let errors = 0;
  // node-redis throws an unhandled 'error' event without a listener: applications must add one.
  raw.on('error', () => errors++);
  await raw.connect();
  // node-redis's queue is private, so count what the provider hands it while it is not ready:
  // every such command would wait in that queue for the reconnect.
  let queued = 0;
  const client = new Proxy(raw, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t) as unknown;
      if (typeof v !== 'function') return v;
      if (prop !== 'sendCommand') return v.bind(t);
      return (...args: unknown[]) => {
        if (!t.isReady) queued++;
        return (v as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
  return {
    client,
    errors: () => errors,
    offlineQueued: () => queued,
    close: () => raw.destroy(),
  };
}

for (const [label, makeKit] of [
  ['ioredis', ioredisKit],
  ['node-redis', nodeRedisKit],
] as const) {
  describe(`Redis stopped mid-traffic and restarted (${label})`, () => {
    it('settles every call, fails fast with UNAVAILABLE while down, keeps memory bounded and recovers', async () => {
      const kit = await makeKit();
      const unhandled = watchUnhandled();
      const provider = redisProvider({
        client: kit.client,
        prefix: `fault-${label}`,
        commandTimeout: COMMAND_TIMEOUT,
        circuitBreaker: { failureThreshold: 3, resetTimeout: 200 },
      });
      const cache = createCache<number>(provider, { name: 'restart' });
      const traffic = runTraffic({
        workers: 32,
        watchdogMs: COMMAND_TIMEOUT + 2000,
        call: (i) => (i % 2 === 0 ? cache.set(`k${i % 100}`, i) : cache.get(`k${i % 100}`)),
      });
      try {
        await sleep(400);
        const stopAt = traffic.now();
        await server.stop();
        const downAt = traffic.now();
        let maxQueued = 0;
        await sleep(COMMAND_TIMEOUT + 100);
        const queuedAtDown = kit.offlineQueued();
        const heapBefore = liveHeap();
        let maxHeap = heapBefore;
        for (let i = 0; i < 24; i++) {
          await sleep(50);
          maxQueued = Math.max(maxQueued, kit.offlineQueued() - queuedAtDown);
          if (i % 6 === 5) maxHeap = Math.max(maxHeap, liveHeap());
        }
        const restartAt = traffic.now();
        await server.restart();
        const upAt = traffic.now();
        let recoveredAt: number | undefined;
        while (recoveredAt === undefined && traffic.now() - upAt < 10_000) {
          await sleep(25);
          recoveredAt = traffic.calls.find((c) => c.ok && c.start >= upAt)?.end;
        }
        await sleep(500);
        const endAt = traffic.now();
        await traffic.stop();
        expect(traffic.unsettled()).toBe(0);

        const calls = traffic.calls;
        const before = between(calls, 0, stopAt);
        const down = between(calls, downAt + COMMAND_TIMEOUT + 100, restartAt);
        const after = between(calls, (recoveredAt ?? endAt) + 200, endAt);
        const summary = {
          client: label,
          calls: calls.length,
          okBefore: before.filter((c) => c.ok).length,
          down: down.length,
          downCodes: [...new Set(down.map((c) => c.code))],
          downP99Ms: Number(durationQuantile(down, 0.99).toFixed(2)),
          recoveryMs: recoveredAt === undefined ? null : Math.round(recoveredAt - upAt),
          queuedWhenDown: queuedAtDown,
          queueGrowthWhileDown: maxQueued,
          heapGrowthMB: Number(((maxHeap - heapBefore) / 2 ** 20).toFixed(1)),
          clientErrorEvents: kit.errors(),
        };
        console.log('fault-restart', JSON.stringify(summary));

        expect(calls.filter((c) => c.code === 'HUNG')).toEqual([]);
        expect(before.length).toBeGreaterThan(0);
        expect(before.every((c) => c.ok)).toBe(true);
        // While down: many calls (they fail fast, so workers keep cycling), all UNAVAILABLE, quickly.
        expect(down.length).toBeGreaterThan(200);
        expect(summary.downCodes).toEqual(['UNAVAILABLE']);
        expect(summary.downP99Ms).toBeLessThan(50);
        // Nothing piles up in the client's offline queue (at most the calls that were in flight when
        // the server went away, which ioredis keeps to re-send); live heap does not grow with the outage.
        expect(queuedAtDown).toBeLessThanOrEqual(32);
        expect(maxQueued).toBe(0);
        expect(summary.heapGrowthMB).toBeLessThan(8);
        // Recovery within seconds of the restart, and then every call succeeds again.
        expect(recoveredAt).toBeDefined();
        expect(summary.recoveryMs!).toBeLessThan(5000);
        expect(after.length).toBeGreaterThan(0);
        expect(after.every((c) => c.ok)).toBe(true);
        expect(unhandled.seen).toEqual([]);
      } finally {
        await traffic.stop();
        unhandled.dispose();
        await cache.close();
        kit.close();
        if (!server.running) await server.restart();
      }
    });
  });
}
