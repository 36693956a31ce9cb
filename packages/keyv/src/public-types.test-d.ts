import type { Cache } from '@gocache/core';
import { createCache } from 'cache-manager';
import { Keyv, type KeyvStoreAdapter } from 'keyv';
import { expectTypeOf } from 'vitest';
import { KeyvGocache, type KeyvGocacheOptions } from './index.js';

declare const cache: Cache<unknown>;

// Everything Keyv's adapter type asks for; setMany resolves boolean[] where the type says void.
expectTypeOf<KeyvGocache>().toExtend<Omit<KeyvStoreAdapter, 'setMany'>>();
expectTypeOf<ReturnType<KeyvGocache['setMany']>>().toEqualTypeOf<Promise<boolean[]>>();
expectTypeOf<KeyvGocache['cache']>().toEqualTypeOf<Cache<unknown>>();

// cache-manager 7 takes the Keyv built on it.
createCache({ stores: [new Keyv({ store: new KeyvGocache(cache) })] });

expectTypeOf<KeyvGocacheOptions['defaultTtl']>().toEqualTypeOf<'none' | 'cache' | undefined>();
// @ts-expect-error: 'none' or 'cache'
new KeyvGocache(cache, { defaultTtl: 'never' });
// @ts-expect-error: a namespace is Keyv's option, not the adapter's
new KeyvGocache(cache, { namespace: 'x' });
