import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ProviderCapabilities } from '../spi.js';
import type { Cache, CacheOptions } from '../types.js';
import { sleep } from './assertions.js';
import { FakeClock } from './fake-clock.js';
import { mixSeed, seededRandom } from './random.js';
import type { ConformanceOptions, ConformanceRunner } from './types.js';

/** Where the fake clock starts: a fixed, realistic epoch (2023-11-14T22:13:20Z). */
const FAKE_EPOCH = 1_700_000_000_000;

/**
 * One registered suite: the runner, the capabilities and the seed, shared by the groups.
 * Make one with `createConformanceKit(options)` and hand it to any group (`basicGroup(kit)`).
 */
export class ConformanceKit {
  readonly options: ConformanceOptions;
  readonly capabilities: ProviderCapabilities;
  readonly runner: ConformanceRunner;
  readonly seed: number;
  readonly numRuns: number;
  readonly propertyTimeLimitMs: number;
  readonly #run = randomBytes(4).toString('hex');
  #names = 0;

  constructor(options: ConformanceOptions) {
    this.options = options;
    this.capabilities = options.capabilities;
    this.runner = options.runner;
    this.seed = options.seed ?? randomBytes(4).readUInt32LE(0);
    this.numRuns = options.numRuns ?? 25;
    this.propertyTimeLimitMs = options.propertyTimeLimitMs ?? 10_000;
  }

  /** A cache name no other suite (even one sharing the same Redis) uses. */
  uniqueName(): string {
    return `kit_${this.#run}_${++this.#names}`;
  }

  /** Register a group of tests. */
  describe(name: string, fn: () => void): void {
    this.runner.describe(name, fn);
  }

  /**
   * Register one test. It gets a fresh `Harness`; every cache the harness made is closed afterwards,
   * and a failure message carries the seed to replay it.
   */
  it(name: string, fn: (h: Harness) => Promise<void>): void {
    this.runner.it(name, async () => {
      const h = new Harness(this, mixSeed(this.seed, name));
      const escaped = watchUnhandledRejections();
      let failure: unknown;
      try {
        await fn(h);
      } catch (e) {
        failure = e;
      }
      try {
        await h.dispose();
      } catch (e) {
        failure ??= e;
      }
      const unhandled = await escaped.stop();
      if (failure === undefined && unhandled.length > 0) {
        failure = new assert.AssertionError({
          message: `expected no unhandled promise rejection during the test (core and the store must handle or surface every rejection), but ${unhandled.length} escaped; the first: ${describe(unhandled[0])}`,
        });
      }
      if (failure !== undefined) throw this.annotate(failure, name);
    });
  }

  /** Add the seed and how to replay it to a failure. */
  annotate(e: unknown, test: string): unknown {
    const note = `\n[gocache conformance "${this.options.name}" › "${test}": seed ${this.seed}; replay with describeConformance({ ..., seed: ${this.seed} })]`;
    if (e instanceof Error) {
      try {
        e.message += note;
      } catch {
        return new Error(`${String(e)}${note}`, { cause: e });
      }
      return e;
    }
    return new Error(`${String(e)}${note}`, { cause: e });
  }
}

/** Per-test helpers: cache creation with unique names, the clock, and time travel. */
export class Harness {
  readonly kit: ConformanceKit;
  /** The fake clock when the provider claims `fakeClock`, else `undefined` (real time). */
  readonly clock: FakeClock | undefined;
  /** This test's seed (the suite seed mixed with the test name). */
  readonly seed: number;
  /** A replayable random source for this test. */
  readonly random: () => number;
  readonly #caches: Cache<unknown>[] = [];

  constructor(kit: ConformanceKit, seed: number) {
    this.kit = kit;
    this.clock = kit.capabilities.fakeClock ? new FakeClock(FAKE_EPOCH) : undefined;
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  /** True when time is fake (exact TTL edges can be checked). */
  get fake(): boolean {
    return this.clock !== undefined;
  }

  /** Now, on the clock the caches use. */
  now(): number {
    return this.clock?.now() ?? Date.now();
  }

  /** A TTL short enough to wait out: 1 s of fake time, or 150 ms of real time. */
  get shortTtl(): number {
    return this.fake ? 1_000 : 150;
  }

  /** Let `shortTtl` pass (with margin on a real clock). */
  async expireShort(): Promise<void> {
    await this.elapse(this.fake ? 1_000 : 400);
  }

  /** Let `ms` pass: move the fake clock, or sleep. */
  async elapse(ms: number): Promise<void> {
    if (this.clock !== undefined) this.clock.advance(ms);
    else await sleep(ms);
  }

  /** Make a cache with a unique name (unless given) and the fake clock (if any); closed after the test. */
  async cache<T = unknown>(overrides: Partial<CacheOptions<T>> = {}): Promise<Cache<T>> {
    const options: CacheOptions<T> = {
      ...this.baseOptions<T>(),
      ...overrides,
      name: overrides.name ?? this.kit.uniqueName(),
    };
    const cache = await this.kit.options.createCache<T>(options);
    this.#caches.push(cache as Cache<unknown>);
    return cache;
  }

  /**
   * Make a cache as another process would (`createPeerCache`: its own provider instance and client
   * over the same backend); pass the `name` of the cache it shares entries with. Closed after the test.
   */
  async peerCache<T = unknown>(overrides: Partial<CacheOptions<T>> & { name: string }): Promise<Cache<T>> {
    const make = this.kit.options.createPeerCache;
    if (make === undefined) {
      throw new TypeError('this check needs createPeerCache (a cache as another process would make it)');
    }
    const cache = await make<T>({ ...this.baseOptions<T>(), ...overrides });
    this.#caches.push(cache as Cache<unknown>);
    return cache;
  }

  /** The options the kit always passes (name excluded). */
  baseOptions<T>(): Omit<CacheOptions<T>, 'name'> {
    return this.clock === undefined ? {} : { clock: this.clock };
  }

  /** Register a cache made elsewhere so it is closed after the test. */
  track<T>(cache: Cache<T>): Cache<T> {
    this.#caches.push(cache as Cache<unknown>);
    return cache;
  }

  /** Close every cache this test made (close is idempotent, so already-closed ones are fine). */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const c of this.#caches.splice(0)) {
      try {
        await c.close();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'closing the caches of a conformance test failed');
  }
}

/**
 * Collect the unhandled promise rejections of one test. A no-op where the runtime has no
 * `process.on` (the kit then cannot see them). `stop` waits two macrotasks first, so a rejection
 * of the test's last operations is reported.
 */
function watchUnhandledRejections(): { stop(): Promise<unknown[]> } {
  const seen: unknown[] = [];
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (typeof proc?.on !== 'function') return { stop: async () => seen };
  const listener = (reason: unknown) => void seen.push(reason);
  proc.on('unhandledRejection', listener);
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setImmediate(resolve));
      proc.off('unhandledRejection', listener);
      return seen;
    },
  };
}

function describe(e: unknown): string {
  if (e instanceof Error)
    return `${e.constructor.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 8).join('\n') ?? ''}`;
  return String(e);
}
