import { createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { memoryProvider } from './memory-provider.js';

for (const policy of ['lru', 'lfu', 'tinylfu'] as const) {
  const provider = memoryProvider({ policy });
  describeConformance({
    name: `memory (${policy})`,
    createCache: (o) => createCache(provider, o),
    capabilities: provider.capabilities,
    runner: { describe, it, beforeAll, afterAll },
    teardown: () => provider.close(),
  });
}
