import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { afterAll } from 'vitest';
import { describeCacheManager } from './cache-manager-suite.js';

const cache = createCache<unknown>(memoryProvider(), { name: 'keyv-cache-manager' });
afterAll(() => cache.close());

describeCacheManager('the memory provider', () => cache);
