import type { Cache, CacheProvider } from '@gocache/core';
import { expectTypeOf } from 'vitest';
import {
  type EvictionPolicy,
  type EvictionPolicyFactory,
  type MemoryCacheOptions,
  memoryCache,
  memoryProvider,
  tinyLfuPolicy,
} from './index.js';

expectTypeOf(memoryProvider()).toEqualTypeOf<CacheProvider>();
expectTypeOf(memoryCache<{ id: number }>({ name: 'x' })).toEqualTypeOf<Cache<{ id: number }>>();
expectTypeOf(tinyLfuPolicy).toEqualTypeOf<EvictionPolicyFactory>();
expectTypeOf<ReturnType<EvictionPolicyFactory>>().toEqualTypeOf<EvictionPolicy>();

// sizeCalculation sees the cache's value type.
memoryCache<string>({ name: 'x', providerOptions: { maxSize: 10, sizeCalculation: (v) => v.length } });
// @ts-expect-error: the value is a string, not an object
memoryCache<string>({ name: 'x', providerOptions: { sizeCalculation: (v) => v.id } });
// @ts-expect-error: policies are named or factories
memoryProvider({ policy: 'fifo' });
expectTypeOf<MemoryCacheOptions['policy']>().toEqualTypeOf<
  'lru' | 'lfu' | 'tinylfu' | EvictionPolicyFactory | undefined
>();
