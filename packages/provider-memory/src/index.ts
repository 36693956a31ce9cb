export { memoryCache } from './memory-cache.js';
export { memoryProvider } from './memory-provider.js';
export type { MemoryCacheOptions, MemoryProviderOptions, PolicyName } from './options.js';
export type { EvictionPolicy, EvictionPolicyFactory, PolicyContext } from './policies/eviction-policy.js';
export { lfuPolicy } from './policies/lfu-policy.js';
export { lruPolicy } from './policies/lru-policy.js';
export { tinyLfuPolicy } from './policies/tinylfu-policy.js';
