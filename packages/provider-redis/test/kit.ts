import { randomBytes } from 'node:crypto';
import { type CacheProvider, createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { redisBus } from '../src/index.js';

/**
 * Register the conformance kit, unmodified, for one provider in the current vitest file. `peer` is
 * the provider another process would have: its own instance over its own client of the same server.
 * `clients` (the provider's and the peer's): the kit's `publishing writes` group runs over a
 * `redisBus` on the provider's client, heard by one on the peer's.
 */
export function conformanceSuite(
  name: string,
  provider: CacheProvider,
  peer: CacheProvider,
  clients?: { mine: unknown; theirs: unknown },
): void {
  describeConformance({
    name,
    createCache: (o) => createCache(provider, o),
    createPeerCache: (o) => createCache(peer, o),
    capabilities: provider.capabilities,
    runner: { describe, it, afterAll, beforeAll, beforeEach, afterEach },
    createBuses:
      clients === undefined
        ? undefined
        : () => {
            const channel = `gct_kitbus_${randomBytes(4).toString('hex')}`;
            return {
              bus: redisBus({ client: clients.mine as never, channel }),
              listener: redisBus({ client: clients.theirs as never, channel }),
            };
          },
  });
}
