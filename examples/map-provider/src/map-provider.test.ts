import { createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { mapProvider } from './map-provider.ts';

const provider = mapProvider();

describeConformance({
  name: 'map',
  createCache: (options) => createCache(provider, options),
  capabilities: provider.capabilities,
  runner: { describe, it, beforeAll, afterAll },
  seed: process.env.GOCACHE_SEED === undefined ? undefined : Number(process.env.GOCACHE_SEED),
  teardown: () => provider.close(),
});
