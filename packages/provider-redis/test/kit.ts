import { type CacheProvider, createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';

/** Register the conformance kit, unmodified, for one provider in the current vitest file. */
export function conformanceSuite(name: string, provider: CacheProvider): void {
  describeConformance({
    name,
    createCache: (o) => createCache(provider, o),
    capabilities: provider.capabilities,
    runner: { describe, it, afterAll, beforeAll, beforeEach, afterEach },
  });
}
