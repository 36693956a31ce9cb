import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheMetrics, Duration, MiddlewareHost, MiddlewareObject } from '@gocache/core';
import { finiteDuration, optionError } from './options.js';

/** Options of {@link timingProtection}. */
export interface TimingProtectionOptions {
  /** Every wrapped operation settles no earlier than this after it started. */
  minProcessingTime: Duration;
  /**
   * Extra random padding, uniform in `[0, jitter]`, added per operation (cryptographic RNG, µs
   * resolution). Hides the padding floor itself; not needed to hide hit/miss differences.
   * @default 0
   */
  jitter?: Duration | undefined;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Wait until `performance.now() >= deadline`. Timers fire on a cached millisecond clock and may
 * fire up to ~1 ms early or late, so the last stretch is polled with `setImmediate`: the deadline
 * is never missed early, and the overshoot does not depend on what the operation did.
 */
async function until(deadline: number): Promise<void> {
  const left = deadline - performance.now();
  if (left > 2) await sleep(Math.floor(left - 1));
  while (performance.now() < deadline) await immediate();
}

/**
 * Pads every wrapped operation — hit, miss, error, `getOrSet` included — so that it settles no
 * earlier than `minProcessingTime` after it started. Each call waits on its own deadline, so
 * concurrent calls are padded independently (1,000 concurrent gets with a 5 ms minimum take about
 * 5 ms in total). Records `recordTimingProtection(op, actualMs, adjustedMs)`.
 *
 * It hides the hit/miss timing difference from the caller of the cache. It does not make Redis,
 * the network, GC or your loader constant-time; an operation slower than the minimum is not padded.
 * Put it first (outermost) in `middleware` so it covers every other layer.
 *
 * @example
 * createCache(memoryProvider(), { name: 'sessions', middleware: [timingProtection({ minProcessingTime: '5ms' })] });
 */
export function timingProtection(options: TimingProtectionOptions): MiddlewareObject {
  if (options === null || typeof options !== 'object') {
    throw optionError('timingProtection', "options must be an object such as { minProcessingTime: '5ms' }");
  }
  const minMs = finiteDuration('timingProtection', 'minProcessingTime', options.minProcessingTime);
  const jitterUs =
    options.jitter === undefined ? 0 : Math.round(finiteDuration('timingProtection', 'jitter', options.jitter) * 1000);
  let metrics: CacheMetrics | undefined;
  let labels = { cache: '?' };
  return {
    name: 'timingProtection',
    attach(host: MiddlewareHost) {
      metrics = host.metrics;
      labels = { cache: host.cacheName };
    },
    async handle(ctx, next) {
      const t0 = performance.now();
      const target = jitterUs > 0 ? minMs + randomInt(jitterUs + 1) / 1000 : minMs;
      let result: unknown;
      let failed = false;
      try {
        result = await next();
      } catch (e) {
        failed = true;
        result = e;
      }
      const actual = performance.now() - t0;
      if (actual < target) await until(t0 + target);
      if (metrics !== undefined) {
        try {
          metrics.recordTimingProtection(ctx.op, actual, performance.now() - t0, labels);
        } catch {
          // A broken metrics sink must not turn a padded success into a failure.
        }
      }
      if (failed) throw result;
      return result;
    },
  };
}
