export type { BusListener, BusState, Invalidation, InvalidationBus, InvalidationMessage } from './bus.js';
export { createCache } from './create-cache.js';
export type { DurationSite } from './duration.js';
export { MAX_FINITE_DURATION_MS, parseDuration } from './duration.js';
export type { CacheErrorCode, CacheErrorDetails } from './errors.js';
export { CACHE_ERROR_CODES, CacheError, isCacheError, storeError } from './errors.js';
export type { CacheExtension, ExtensionHost, ExtensionParts, OperationWrappers, WrappableOp } from './extend.js';
export { extendCache } from './extend.js';
export type { CompiledGlob } from './glob.js';
export { compileGlob, escapeGlob } from './glob.js';
export type { CacheHooks, HookContext } from './hooks.js';
export type { InProcessMetrics, MetricsSnapshot, OperationStats } from './in-process-metrics.js';
export { createInProcessMetrics } from './in-process-metrics.js';
export { KeyedQueue } from './keyed-queue.js';
export type { CacheManager, ManagerOptions } from './manager.js';
export { createManager } from './manager.js';
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
  DerivedIndexes,
  DerivedIndexLimit,
  EntryVersion,
  IndexMember,
  LiveEntry,
  LoadThroughContext,
  MaybePromise,
  ProviderCapabilities,
  PublishingWrites,
  Store,
  StoreConfig,
} from './spi.js';
export { SPECIFICATION_VERSION, SUPPORTED_SPECIFICATION_VERSIONS } from './spi.js';
export type {
  Cache,
  CacheEntryMetadata,
  CacheOptions,
  Clock,
  Duration,
  EvictReason,
  GetOrSetOptions,
  LoaderContext,
  OpOptions,
  SetOptions,
} from './types.js';
