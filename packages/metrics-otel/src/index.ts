export { ATTRIBUTES, DURATION_BOUNDARIES, INSTRUMENTS, PADDING_BOUNDARIES } from './names.js';
export type { OtelMetricsOptions } from './otel-metrics.js';
export { otelMetrics } from './otel-metrics.js';
