import { createRng } from './rng.ts';
import { createZipf } from './zipf.ts';

/** A request trace for the hit-ratio simulation: key ids, and how many distinct ids exist. */
export interface Trace {
  readonly name: string;
  readonly ids: Int32Array;
  /** Ids are `0..idSpace-1` (scan keys live above the Zipf key space). */
  readonly idSpace: number;
  /** The Zipf key space that cache sizes are a percentage of. */
  readonly keySpace: number;
}

/** `length` requests over `keySpace` keys drawn from Zipf(s). */
export function zipfTrace(keySpace: number, s: number, length: number, seed: number): Trace {
  const next = createZipf(keySpace, s, seed);
  const ids = new Int32Array(length);
  for (let i = 0; i < length; i++) ids[i] = next();
  return { name: `zipf s=${s}`, ids, idSpace: keySpace, keySpace };
}

/**
 * Zipf(s) traffic interrupted by periodic sequential scans of keys never seen before (a batch job
 * or a crawler walking the key space): every `period` requests, `scanLength` one-hit-wonder keys
 * arrive in a row. An LRU cache smaller than a scan loses its whole hot set to each scan; a
 * scan-resistant policy should not.
 */
export function zipfWithScansTrace(
  keySpace: number,
  s: number,
  length: number,
  seed: number,
  opts: { period: number; scanLength: number },
): Trace {
  const next = createZipf(keySpace, s, seed);
  const rng = createRng(seed ^ 0x5ca9);
  const ids = new Int32Array(length);
  let scanId = keySpace;
  let i = 0;
  // Randomise the first scan's position so scans do not always align with the trace start.
  let untilScan = Math.floor(rng() * opts.period);
  while (i < length) {
    if (untilScan === 0) {
      for (let j = 0; j < opts.scanLength && i < length; j++) ids[i++] = scanId++;
      untilScan = opts.period;
      continue;
    }
    ids[i++] = next();
    untilScan--;
  }
  return { name: `zipf s=${s} + scans`, ids, idSpace: scanId, keySpace };
}
