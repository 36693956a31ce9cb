import type { InvalidationBus } from '../bus.js';
import type { ProviderCapabilities } from '../spi.js';
import type { Cache, CacheOptions } from '../types.js';

/** A test body as both vitest and `node:test` accept it. */
export type RunnerFn = () => Promise<void>;

/**
 * The few functions of a test runner the kit needs. Pass vitest's (`import { describe, it } from 'vitest'`)
 * or `node:test`'s (`import { describe, it, after } from 'node:test'`, with `afterAll: after`).
 */
export interface ConformanceRunner {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: RunnerFn): unknown;
  /** Needed only with `teardown`. */
  beforeAll?: ((fn: RunnerFn) => unknown) | undefined;
  /** Needed only with `teardown` (node:test calls it `after`). */
  afterAll?: ((fn: RunnerFn) => unknown) | undefined;
  beforeEach?: ((fn: RunnerFn) => unknown) | undefined;
  afterEach?: ((fn: RunnerFn) => unknown) | undefined;
}

/** Options of `describeConformance`. */
export interface ConformanceOptions {
  /** Shown in test names, e.g. `'memory'`, `'redis(ioredis)'`. */
  name: string;
  /**
   * Make a cache from the options the kit chooses (name, ttl, clock, indexes, maxEntries, hooks,
   * middleware, loaderTimeout, …). Call your provider's usual path, e.g.
   * `(o) => createCache(fooProvider(), o)`. Several calls with the same `name` must share entries
   * when the provider claims `distributed` (they stand for separate processes); calls with
   * different names must be isolated namespaces of the same backend, so reuse one provider/client.
   */
  createCache: <T>(options: CacheOptions<T>) => Cache<T> | Promise<Cache<T>>;
  /**
   * Make a cache as another process would make it: its own provider instance and its own client
   * (connection pool) over the same backend, e.g. `(o) => createCache(fooProvider({ url }), o)`.
   * The distributed group uses it wherever a cache stands for another process (cross-process
   * single-flight, updates, removal during another process's load). Required when
   * `capabilities.distributed`; the kit closes every cache it made, close the provider in `teardown`.
   */
  createPeerCache?: (<T>(options: CacheOptions<T>) => Cache<T> | Promise<Cache<T>>) | undefined;
  /** What the provider claims (its `capabilities`): decides which groups run, and no fewer. */
  capabilities: ProviderCapabilities;
  /** The test runner's functions. */
  runner: ConformanceRunner;
  /**
   * Seed for the randomised checks (fast-check runs, shuffles). Every failure message prints the
   * seed in use; pass it here to replay that run.
   * @default a random seed
   */
  seed?: number | undefined;
  /**
   * Runs of each fast-check property.
   * @default 25
   */
  numRuns?: number | undefined;
  /**
   * Time budget of each fast-check property in ms: past it the property stops starting new runs
   * (and passes with the runs done), so a slow backend gets fewer runs instead of a test timeout.
   * @default 10000
   */
  propertyTimeLimitMs?: number | undefined;
  /**
   * For a provider whose stores offer `Store.publishingWrites`: make two buses on one new channel —
   * `bus`, one the stores of `createCache` can publish on (e.g. `redisBus` on the provider's own
   * client), and `listener`, another process's bus on the same channel (its own client). The kit
   * closes both. The `publishing writes` group runs only with it, and then requires the store to
   * accept `bus`.
   */
  createBuses?:
    | (() =>
        | Promise<{ bus: InvalidationBus; listener: InvalidationBus }>
        | { bus: InvalidationBus; listener: InvalidationBus })
    | undefined;
  /** Called once after the whole suite (e.g. close your provider or client). Needs `runner.afterAll`. */
  teardown?: (() => Promise<void> | void) | undefined;
}
