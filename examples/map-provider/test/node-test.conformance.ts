// The same conformance suite under node:test, to prove the kit is runner-agnostic.
// `@gocache/core` resolves to its built dist here: build core first (turbo does, via `^build`).
import { after, before, describe, it } from 'node:test';
import { createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { mapProvider } from '../src/map-provider.ts';

const provider = mapProvider();

describeConformance({
  name: 'map (node:test)',
  createCache: (options) => createCache(provider, options),
  capabilities: provider.capabilities,
  runner: { describe, it, beforeAll: before, afterAll: after },
  seed: process.env.GOCACHE_SEED === undefined ? undefined : Number(process.env.GOCACHE_SEED),
  teardown: () => provider.close(),
});
