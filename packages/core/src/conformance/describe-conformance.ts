import { capabilityConflict } from '../capability-rules.js';
import { basicGroup } from './basic.js';
import { batchGroup } from './batch.js';
import { concurrencyGroup } from './concurrency.js';
import { conditionalGroup } from './conditional.js';
import { derivedIndexesGroup } from './derived-indexes.js';
import { distributedGroup } from './distributed.js';
import { errorsGroup } from './errors.js';
import { evictionGroup } from './eviction.js';
import { getOrSetGroup } from './get-or-set.js';
import { graceGroup } from './grace.js';
import { indexGroup } from './indexes.js';
import { keysGroup } from './keys.js';
import { ConformanceKit } from './kit.js';
import { leaveOrderGroup } from './leave-order.js';
import { lifecycleGroup } from './lifecycle.js';
import { loadCancellationGroup } from './load-cancellation.js';
import { localBoundGroup } from './local-bound.js';
import { metadataGroup } from './metadata.js';
import { modelGroup } from './model.js';
import { namespaceGroup } from './namespace.js';
import { patternGroup } from './pattern.js';
import { publishingWritesGroup } from './publishing-writes.js';
import { resurrectionGroup } from './resurrection.js';
import { touchGroup } from './touch.js';
import { ttlGroup } from './ttl.js';
import type { ConformanceOptions } from './types.js';
import { updateGroup } from './update.js';
import { valuesGroup } from './values.js';

/** Check the options and make the kit the groups share. */
export function createConformanceKit(options: ConformanceOptions): ConformanceKit {
  if (typeof options.createCache !== 'function')
    throw new TypeError('describeConformance: createCache must be a function');
  if (typeof options.runner?.describe !== 'function' || typeof options.runner.it !== 'function') {
    throw new TypeError("describeConformance: runner must carry the test runner's describe and it");
  }
  const caps = options.capabilities;
  for (const cap of ['distributed', 'fakeClock', 'eviction', 'indexes', 'referenceValues', 'accessTracking'] as const) {
    if (typeof caps?.[cap] !== 'boolean') {
      throw new TypeError(
        `describeConformance: capabilities.${cap} must be a boolean (pass your provider's capabilities)`,
      );
    }
  }
  for (const cap of ['derivedIndexes', 'localBound'] as const) {
    if (caps[cap] !== undefined && typeof caps[cap] !== 'boolean') {
      throw new TypeError(`describeConformance: capabilities.${cap} must be a boolean when given`);
    }
  }
  const conflict = capabilityConflict(caps);
  if (conflict !== undefined) throw new TypeError(`describeConformance: the provider claims ${conflict}`);
  if (caps.distributed && typeof options.createPeerCache !== 'function') {
    throw new TypeError(
      'describeConformance: capabilities.distributed needs createPeerCache: a cache as another process would make it (its own provider instance and client over the same backend)',
    );
  }
  if (options.createBuses !== undefined && typeof options.createBuses !== 'function') {
    throw new TypeError('describeConformance: createBuses must be a function');
  }
  if (options.teardown !== undefined && options.runner.afterAll === undefined) {
    throw new TypeError("describeConformance: teardown needs runner.afterAll (node:test calls it 'after')");
  }
  return new ConformanceKit(options);
}

/**
 * Register the whole conformance suite in the caller's test runner: every group the provider's
 * capabilities imply, and no fewer (a claimed capability is always checked).
 *
 * ```ts
 * import { describe, it, afterAll } from 'vitest';
 * describeConformance({ name: 'foo', createCache: (o) => createCache(provider, o),
 *   capabilities: provider.capabilities, runner: { describe, it, afterAll } });
 * ```
 */
export function describeConformance(options: ConformanceOptions): ConformanceKit {
  const kit = createConformanceKit(options);
  const caps = kit.capabilities;
  kit.describe(`gocache conformance: ${options.name} (seed ${kit.seed})`, () => {
    const teardown = options.teardown;
    if (teardown !== undefined) options.runner.afterAll!(async () => void (await teardown()));
    basicGroup(kit);
    ttlGroup(kit);
    touchGroup(kit);
    graceGroup(kit);
    keysGroup(kit);
    namespaceGroup(kit);
    batchGroup(kit);
    conditionalGroup(kit);
    getOrSetGroup(kit);
    loadCancellationGroup(kit);
    resurrectionGroup(kit);
    updateGroup(kit);
    patternGroup(kit);
    indexGroup(kit);
    derivedIndexesGroup(kit);
    metadataGroup(kit);
    lifecycleGroup(kit);
    errorsGroup(kit);
    leaveOrderGroup(kit);
    concurrencyGroup(kit);
    modelGroup(kit);
    if (caps.eviction) evictionGroup(kit);
    if (caps.localBound === true) localBoundGroup(kit);
    if (caps.referenceValues) valuesGroup(kit);
    if (caps.distributed) distributedGroup(kit);
    if (options.createBuses !== undefined) publishingWritesGroup(kit);
  });
  return kit;
}
