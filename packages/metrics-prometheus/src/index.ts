export { DURATION_BUCKETS, PADDING_BUCKETS } from './buckets.js';
export { metricNames } from './instruments.js';
export type { PrometheusMetrics, PrometheusMetricsOptions } from './prometheus-metrics.js';
export { prometheusMetrics } from './prometheus-metrics.js';
