import { createCache } from '@gocache/core';
import { describeConformance } from '@gocache/core/conformance';
import { memoryProvider } from '@gocache/provider-memory';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import { soloBus } from '../test/solo-bus.js';
import { tieredProvider } from './index.js';

// The tiered logic on the whole kit without Redis: memory as L1 and as L2 (so the fake clock drives
// both, and every check an in-process L2 passes must pass through the tiered layer too).
const provider = tieredProvider({ l1: memoryProvider(), l2: memoryProvider(), bus: soloBus, l1Ttl: '10s' });
describeConformance({
  name: 'tiered (memory + memory)',
  createCache: (o) => createCache(provider, o),
  capabilities: provider.capabilities,
  runner: { describe, it, afterAll, beforeAll, beforeEach, afterEach },
  teardown: () => provider.close(),
});
