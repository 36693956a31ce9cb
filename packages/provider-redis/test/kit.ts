import { type CacheProvider, createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';

/**
 * Register the conformance kit, unmodified, for one provider in the current vitest file. `peer` is
 * the provider another process would have: its own instance over its own client of the same server.
 */
export function conformanceSuite(name: string, provider: CacheProvider, peer: CacheProvider): void {
  describeConformance({
    name,
    createCache: (o) => createCache(provider, o),
    createPeerCache: (o) => createCache(peer, o),
    capabilities: provider.capabilities,
    runner: { describe, it, afterAll, beforeAll, beforeEach, afterEach },
  });
}
