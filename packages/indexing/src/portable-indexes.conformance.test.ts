import { createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { kvMapProvider } from '../test/kv-map-provider.js';
import { portableIndexes } from './portable-indexes.js';

// The whole kit, index sections included, against a key/value-only provider made index-capable.
for (const async of [false, true]) {
  const provider = portableIndexes(kvMapProvider({ async }));
  describeConformance({
    name: `portableIndexes(kv-map${async ? ', async' : ''})`,
    createCache: (o) => createCache(provider, o),
    capabilities: provider.capabilities,
    runner: { describe, it, beforeAll, afterAll, beforeEach, afterEach },
    teardown: () => provider.close(),
  });
}
