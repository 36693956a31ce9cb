/**
 * Operation duration buckets in seconds: 5 µs … 2.5 s. The low end resolves in-process memory
 * operations (single-digit µs), the middle Redis round trips (0.1–10 ms), the top outliers.
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5,
];

/** Timing-protection padding buckets in seconds: 50 µs … 1 s (paddings are fractions of a minimum of a few ms). */
export const PADDING_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
