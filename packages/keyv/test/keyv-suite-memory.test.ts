import { createCache } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { afterAll } from 'vitest';
import { describeKeyvSuite } from './keyv-suite.js';

const cache = createCache<unknown>(memoryProvider(), { name: 'keyv-suite' });
afterAll(() => cache.close());

describeKeyvSuite('the memory provider', () => cache);
