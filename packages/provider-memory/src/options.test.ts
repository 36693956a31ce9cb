import { isCacheError } from '@gocache/core';
import { describe, expect, it } from 'vitest';
import { makeStore } from '../test/fixtures.js';
import { memoryProvider } from './memory-provider.js';
import { resolveOptions } from './options.js';

function invalid(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(isCacheError(e, 'INVALID_ARGUMENT'), String(e)).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('memory options', () => {
  it('defaults to LRU and a 4096-slot cleanup batch', () => {
    expect(resolveOptions('c', undefined, undefined)).toMatchObject({
      maxSize: undefined,
      policyName: 'lru',
      cleanupBatchSize: 4096,
    });
  });

  it('lets per-cache options override provider defaults', () => {
    const r = resolveOptions('c', { policy: 'lfu', cleanupBatchSize: 10 }, { policy: 'tinylfu' });
    expect(r).toMatchObject({ policyName: 'tinylfu', cleanupBatchSize: 10 });
  });

  it('names the cache, the option and the fix', () => {
    invalid(
      () => resolveOptions('users', undefined, { policy: 'fifo' }),
      /cache "users".*unknown policy "fifo"; use 'lru'/,
    );
    invalid(() => resolveOptions('c', undefined, { maxSize: 10 }), /maxSize needs sizeCalculation/);
    invalid(
      () => resolveOptions('c', undefined, { maxSize: -1, sizeCalculation: () => 1 }),
      /maxSize must be a positive/,
    );
    invalid(() => resolveOptions('c', undefined, { sizeCalculation: 3 }), /sizeCalculation must be a function/);
    invalid(
      () => resolveOptions('c', undefined, { cleanupBatchSize: 0 }),
      /cleanupBatchSize must be a positive integer/,
    );
    invalid(() => resolveOptions('c', undefined, { maxsize: 1 }), /unknown memory provider option "maxsize"/);
    invalid(() => resolveOptions('c', undefined, 'lru'), /providerOptions must be an object/);
    invalid(() => memoryProvider({ policy: 'nope' as 'lru' }), /unknown policy/);
  });

  it('checks what a custom policy factory returns', () => {
    invalid(
      () => makeStore({ maxEntries: 2, providerOptions: { policy: () => ({ name: 'half' }) } }),
      /returned an object without resize\(\)/,
    );
  });

  it('runs no policy for an unbounded cache', () => {
    expect(makeStore({ providerOptions: { policy: 'tinylfu' } }).store.stats().policy).toBeUndefined();
    expect(makeStore({ maxEntries: 5, providerOptions: { policy: 'tinylfu' } }).store.stats().policy).toBe('tinylfu');
  });
});
