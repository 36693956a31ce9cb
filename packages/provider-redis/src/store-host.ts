/**
 * What a Redis store is built from (`RedisStoreDeps`, from the provider) and what its parts share
 * (`StoreHost`, built once per store): `RedisStore` and the modules it delegates to — the write
 * path (`write-path.ts`), removals (`removals.ts`), batch reads (`batch-reads.ts`).
 */
import type { CacheMetrics, StoreConfig } from '@gocache/core';
import type { KeyLayout } from './key-layout.js';
import type { ResolvedLock } from './options.js';
import type { RedisExecutor, Site } from './redis-executor.js';
import type { ValueCodec } from './value-codec.js';

/** Everything a store needs; built by the provider. */
export interface RedisStoreDeps {
  readonly name: string;
  /** The client the user passed, for its identity only: a `redisBus` on the same client shares its server. */
  readonly client: unknown;
  readonly exec: RedisExecutor;
  readonly layout: KeyLayout;
  readonly codec: ValueCodec;
  readonly lock: ResolvedLock;
  readonly onDecodeError: 'throw' | 'miss';
  readonly scanCount: number;
  readonly metrics: CacheMetrics | undefined;
  /** Core's leave listener (`onEvict` hooks, eviction metrics); `undefined` when nobody listens. */
  readonly onLeave: StoreConfig['onLeave'];
}

/** One store's shared context: created once in its constructor, never per call. */
export interface StoreHost {
  readonly d: RedisStoreDeps;
  /** The scripts' `inline` argument: `'1'` on a single server (index sets change in the entry's script), else `'0'`. */
  readonly inline: string;
  /** Where a call comes from, for errors and metrics. */
  readonly site: (op: string, key?: string) => Site;
}

export function storeHost(d: RedisStoreDeps): StoreHost {
  return {
    d,
    inline: d.exec.isCluster ? '0' : '1',
    site: (op, key) => ({ cacheName: d.name, op, key }),
  };
}
