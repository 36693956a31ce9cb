import type { Cache } from '@gocache/core';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import { Keyv, type KeyvOptions } from 'keyv';
import * as vitest from 'vitest';
import { KeyvGocache } from '../src/index.js';

/** Keyv as cache-manager 7 builds it: serialization off, so the store holds `{ value, expires }` objects. */
class RawKeyv extends Keyv {
  constructor(options: KeyvOptions = {}) {
    super(options);
    if (options.serialize === undefined) this.serialize = undefined;
    if (options.deserialize === undefined) this.deserialize = undefined;
  }
}

/**
 * Register `@keyv/test-suite` (the groups Keyv's own adapters run: api, values, namespaces,
 * iterator) over `cache()`, once with Keyv's serialization on and once off.
 */
export function describeKeyvSuite(name: string, cache: () => Cache<unknown>): void {
  for (const [mode, K] of [
    ['serialization on', Keyv],
    ['serialization off (raw envelopes)', RawKeyv],
  ] as const) {
    vitest.describe(`@keyv/test-suite over ${name}, ${mode}`, () => {
      const store = () => new KeyvGocache(cache());
      keyvTestSuite(vitest, K as typeof Keyv, store);
      keyvIteratorTests(vitest, K as typeof Keyv, store);
    });
  }
}
