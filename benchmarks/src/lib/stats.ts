/** The median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * How many times faster `a` is than `b`, as the median of per-repetition ratios. Repetitions run
 * round-robin, so rep k of every contender ran moments apart: pairing them cancels the drift of a
 * shared, busy machine far better than dividing two medians taken over the whole run.
 */
export function pairedRatio(a: { opsPerSec: number; reps: readonly number[] }, b: typeof a): number {
  if (a.reps.length === 0 || a.reps.length !== b.reps.length) return a.opsPerSec / b.opsPerSec;
  return median(a.reps.map((r, k) => r / (b.reps[k] as number)));
}

/** `pairedRatio` over CPU-time ops/s, falling back to wall-clock when either side lacks them. */
export function pairedCpuRatio(
  a: { opsPerSec: number; reps: readonly number[]; cpuOpsPerSec?: number; cpuReps?: readonly number[] },
  b: typeof a,
): number {
  if (
    a.cpuReps === undefined ||
    b.cpuReps === undefined ||
    a.cpuOpsPerSec === undefined ||
    b.cpuOpsPerSec === undefined
  ) {
    return pairedRatio(a, b);
  }
  return pairedRatio({ opsPerSec: a.cpuOpsPerSec, reps: a.cpuReps }, { opsPerSec: b.cpuOpsPerSec, reps: b.cpuReps });
}
