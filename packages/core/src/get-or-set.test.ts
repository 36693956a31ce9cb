import { memoryProvider } from '@gocache/provider-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCache } from './create-cache.js';
import { isCacheError } from './errors.js';
import type { CacheProvider, Store, StoreConfig } from './spi.js';

/** The memory provider with every store method answering through a promise after 0–`maxMs` ms, as a network does. */
function laggy(maxMs: number): CacheProvider {
  const inner = memoryProvider();
  return {
    ...inner,
    name: 'laggy',
    createStore<T>(config: StoreConfig): Store<T> {
      const store = inner.createStore<T>(config);
      return new Proxy(store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function' || prop === 'scan' || prop === 'close' || prop === 'deriveIndexes') {
            return typeof v === 'function' ? v.bind(target) : v;
          }
          return (...args: unknown[]) =>
            new Promise((resolve, reject) => {
              setTimeout(() => {
                try {
                  resolve(v.apply(target, args));
                } catch (e) {
                  reject(e);
                }
              }, Math.random() * maxMs);
            });
        },
      });
    },
  };
}

describe('single-flight over a store that answers after random delays', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('a fast-failing loader is called once for concurrent callers, and every one gets LOADER_FAILED', async () => {
    const cache = createCache<string>(laggy(3), { name: 'lag-fail' });
    for (let round = 0; round < 40; round++) {
      let calls = 0;
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          cache.getOrSet(`k${round}`, () => {
            calls++;
            throw new Error('backend down');
          }),
        ),
      );
      expect(calls, `round ${round}: loader calls for 4 concurrent callers`).toBe(1);
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect(isCacheError((r as PromiseRejectedResult).reason, 'LOADER_FAILED')).toBe(true);
      }
    }
    await cache.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(unhandled).toEqual([]);
  });

  it('a fast loader is called once for concurrent callers, and every one gets its value', async () => {
    const cache = createCache<string>(laggy(3), { name: 'lag-ok' });
    for (let round = 0; round < 40; round++) {
      let calls = 0;
      const values = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          new Promise((r) => setTimeout(r, i % 2)).then(() =>
            cache.getOrSet(`k${round}`, () => {
              calls++;
              return `v${round}`;
            }),
          ),
        ),
      );
      expect(calls, `round ${round}: loader calls for 6 overlapping callers`).toBe(1);
      expect(values).toEqual(Array(6).fill(`v${round}`));
    }
    await cache.close();
  });

  it('closing while loads run leaves no unhandled rejection', async () => {
    const cache = createCache<string>(laggy(2), { name: 'lag-close' });
    const pending = Array.from({ length: 10 }, (_, i) =>
      cache.getOrSet(`k${i % 3}`, () => new Promise<string>((r) => setTimeout(() => r('late'), 20))),
    );
    await new Promise((r) => setTimeout(r, 5));
    await cache.close();
    const settled = await Promise.allSettled(pending);
    expect(settled.every((s) => s.status === 'rejected' || s.value === 'late')).toBe(true);
    await new Promise((r) => setTimeout(r, 40));
    expect(unhandled).toEqual([]);
  });
});
