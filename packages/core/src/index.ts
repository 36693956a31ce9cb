export type { CacheErrorCode, CacheErrorDetails } from './errors.js';
export { CACHE_ERROR_CODES, CacheError, isCacheError } from './errors.js';
export type { CompiledGlob } from './glob.js';
export { compileGlob, escapeGlob } from './glob.js';
export type { CacheHooks, HookContext } from './hooks.js';
export type {
  CacheMetrics,
  LatencyPercentiles,
  MetricLabels,
  ObservedCache,
  OperationStatus,
  SecuritySeverity,
} from './metrics.js';
export type {
  CacheOp,
  EntryLeaveEvent,
  LeaveReason,
  Middleware,
  MiddlewareFn,
  MiddlewareHost,
  MiddlewareObject,
  OperationContext,
} from './middleware.js';
export type {
  CacheProvider,
  EntryVersion,
  LoadThroughContext,
  MaybePromise,
  ProviderCapabilities,
  Store,
  StoreConfig,
} from './spi.js';
export { SPECIFICATION_VERSION } from './spi.js';
export type {
  Cache,
  CacheEntryMetadata,
  CacheOptions,
  Clock,
  Duration,
  EvictReason,
  LoaderContext,
  OpOptions,
  SetOptions,
} from './types.js';
