import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { storeConfig } from '@gocache/core/store-kit';
import { describe, expect, it } from 'vitest';
import { memoryProvider } from './memory-provider.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('nothing leaks', () => {
  it('a cache dropped without close() is collected, with its sweeper and provider entry', async () => {
    const provider = memoryProvider();
    let weak: WeakRef<object> | undefined;
    (() => {
      const store = provider.createStore<Uint8Array>(
        storeConfig({
          name: 'dropped',
          maxEntries: 100,
          cleanupIntervalMs: 5,
          providerOptions: { policy: 'tinylfu' },
        }),
      );
      for (let i = 0; i < 100; i++) store.set(`k${i}`, new Uint8Array(1024), 1_000);
      weak = new WeakRef(store);
    })();
    for (let i = 0; i < 20 && weak!.deref() !== undefined; i++) {
      await tick();
      gc();
    }
    expect(weak!.deref()).toBeUndefined();
    await provider.close();
  });
});
