import assert from 'node:assert/strict';
import type { MiddlewareFn } from '../middleware.js';
import type { ConformanceKit, Harness } from './kit.js';

/** The fast-check module (an optional peer of core, loaded only by the kit). */
export type FastCheck = typeof import('fast-check');
type Scheduler = import('fast-check').Scheduler;

let loading: Promise<FastCheck> | undefined;

/** Load fast-check, with a clear message when it is not installed. */
export function loadFastCheck(): Promise<FastCheck> {
  loading ??= import('fast-check').catch((cause: unknown) => {
    loading = undefined;
    throw new Error(
      '@gocache/core/conformance needs fast-check for its randomised checks: add it as a dev dependency (npm i -D fast-check)',
      { cause },
    );
  });
  return loading;
}

/**
 * Run a fast-check property with this test's seed. On failure fast-check's report (counterexample,
 * seed, path) becomes the assertion message; the kit adds the suite seed to replay it.
 */
export async function checkProperty(
  kit: ConformanceKit,
  h: Harness,
  // biome-ignore lint/suspicious/noExplicitAny: any fast-check async property
  property: import('fast-check').IAsyncProperty<any>,
  numRuns = kit.numRuns,
): Promise<void> {
  const fc = await loadFastCheck();
  // A slow backend (e.g. SCAN over a big shared Redis) gets fewer runs instead of a test timeout.
  const details = await fc.check(property, {
    seed: h.seed | 0,
    numRuns,
    interruptAfterTimeLimit: kit.propertyTimeLimitMs,
    markInterruptAsFailure: false,
  });
  if (details.failed) {
    throw new assert.AssertionError({ message: fc.defaultReportMessage(details) ?? 'property failed' });
  }
}

/** A middleware that lets the scheduler decide when each operation proceeds, while `active()`. */
export function scheduledMiddleware(s: Scheduler, active: () => boolean): MiddlewareFn {
  return async (ctx, next) => {
    if (active()) await s.schedule(Promise.resolve(), `${ctx.op}(${ctx.key ?? ''})`);
    return next();
  };
}
