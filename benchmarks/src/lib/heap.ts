import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined;

/**
 * Node's `gc()` without restarting the process with `--expose-gc`: the flag is set at runtime and
 * a fresh context picks up the `gc` global (the documented workaround; the flag only affects new
 * contexts).
 */
function gc(): void {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}

/** Heap in use after full collections (several, so weak/finalised objects are really gone). */
export async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    // Let pending promise jobs and FinalizationRegistry callbacks run between collections.
    await new Promise((r) => setImmediate(r));
  }
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap in use after full collections, without yielding to the event loop: no timer (e.g. a cache's
 * cleanup interval) gets a chance to run first. What a loop that never yields leaves behind.
 */
export function heapWithoutYielding(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
