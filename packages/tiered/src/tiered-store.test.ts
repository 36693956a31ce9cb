import { type BusListener, type BusState, createCache, type Invalidation, type InvalidationBus } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it } from 'vitest';
import { tieredProvider } from './index.js';

/** An in-process bus between "processes" (each `attach()` is one), with a switch for its state. */
function hub() {
  const buses: FakeBus[] = [];
  class FakeBus implements InvalidationBus {
    readonly origin = `p${buses.length}`;
    state: BusState = 'up';
    readonly listeners = new Set<BusListener>();
    published: Invalidation[] = [];
    async publish(cache: string, invalidation: Invalidation): Promise<void> {
      this.published.push(invalidation);
      for (const b of buses) {
        if (b === this || b.state !== 'up') continue;
        for (const l of b.listeners) l.onMessage({ cache, origin: this.origin, invalidation });
      }
    }
    subscribe(l: BusListener): () => void {
      this.listeners.add(l);
      return () => void this.listeners.delete(l);
    }
    async ready(): Promise<void> {}
    async close(): Promise<void> {}
    set(state: BusState): void {
      this.state = state;
      for (const l of this.listeners) l.onState(state);
    }
  }
  return {
    attach(): FakeBus {
      const b = new FakeBus();
      buses.push(b);
      return b;
    },
  };
}

describe('TieredStore over a shared L2 (memory stands in for Redis)', () => {
  function setup(opts: { withoutRemoveByIndex?: boolean } = {}) {
    const h = hub();
    const gate: { current: Promise<void> | undefined; held: string[] } = { current: undefined, held: [] };
    // Runs inside L2's deleteByIndex, before it removes anything (another process's write landing then).
    const beforeDeleteByIndex: { current: (() => Promise<void>) | undefined } = { current: undefined };
    const sharedL2 = memoryProvider();
    // One L2 store shared by name: both "processes" see the same entries.
    const stores = new Map<string, ReturnType<typeof sharedL2.createStore>>();
    const l2 = {
      ...sharedL2,
      createStore<T>(config: Parameters<typeof sharedL2.createStore>[0]) {
        let s = stores.get(config.name);
        if (s === undefined) stores.set(config.name, (s = sharedL2.createStore<unknown>(config)));
        // Closing one "process" must not close the shared store.
        return new Proxy(s as object, {
          get(t, prop) {
            if (prop === 'close') return () => {};
            if (prop === 'removeByIndex' && opts.withoutRemoveByIndex) return undefined;
            if (prop === 'deleteByIndex' || prop === 'removeByIndex') {
              return async (name: string, indexKey: string) => {
                await beforeDeleteByIndex.current?.();
                return (t as Record<string, (n: string, k: string) => unknown>)[prop]!(name, indexKey);
              };
            }
            if (prop === 'get' || prop === 'getEntry') {
              // With a gate: read now, answer later (an L2 reply in flight while other things happen).
              return (k: string) => {
                const v = (t as Record<string, (k: string) => unknown>)[prop]!(k);
                const held = gate.current;
                if (held === undefined) return v;
                gate.held.push(`${String(prop)}(${k})`);
                return held.then(() => v);
              };
            }
            const v = Reflect.get(t, prop);
            return typeof v === 'function' ? v.bind(t) : v;
          },
        }) as never as ReturnType<typeof sharedL2.createStore<T>>;
      },
    };
    const make = () => {
      const bus = h.attach();
      const p = tieredProvider({ l1: memoryProvider(), l2: l2 as never, bus, l1Ttl: '1h' });
      return { bus, cache: createCache<string>(p, { name: 'c' }) };
    };
    const direct = createCache<string>(l2 as never, { name: 'c' }); // writes that bypass every bus
    return { a: make(), b: make(), direct, gate, beforeDeleteByIndex };
  }

  describe.each([
    { l2: 'an L2 that names what it removed (removeByIndex)', without: false },
    { l2: 'an L2 that only counts (deleteByIndex)', without: true },
  ])('deleteByIndex over $l2', ({ without }) => {
    it('a key that joined the index while it ran leaves every L1 too', async () => {
      const { a, b, direct, beforeDeleteByIndex } = setup({ withoutRemoveByIndex: without });
      await a.cache.set('s1', 'one');
      await a.cache.addIndex('by_user', 's1', 'ada');
      beforeDeleteByIndex.current = async () => {
        beforeDeleteByIndex.current = undefined;
        // Between a's listing of the index and its removal: s2 joins, and b copies it into its L1.
        await direct.set('s2', 'two');
        await direct.addIndex('by_user', 's2', 'ada');
        expect(await b.cache.get('s2')).toBe('two');
      };
      expect(await a.cache.deleteByIndex('by_user', 'ada')).toBe(2);
      // Named exactly where L2 says what it removed; otherwise every L1 is cleared (fail closed).
      expect(a.bus.published.at(-1)).toEqual(without ? { kind: 'all' } : { kind: 'keys', keys: ['s1', 's2'] });
      expect(await b.cache.get('s2')).toBeUndefined();
      expect(await b.cache.get('s1')).toBeUndefined();
      // Without a race, only the listed keys are published.
      await a.cache.set('s3', 'three');
      await a.cache.addIndex('by_user', 's3', 'bob');
      expect(await a.cache.deleteByIndex('by_user', 'bob')).toBe(1);
      expect(a.bus.published.at(-1)).toEqual({ kind: 'keys', keys: ['s3'] });
    });
  });

  it('serves from L1 until invalidated, publishes writes and removals', async () => {
    const { a, b, direct } = setup();
    await a.cache.set('k', 'v1');
    expect(await b.cache.get('k')).toBe('v1');
    await direct.set('k', 'behind');
    expect(await b.cache.get('k')).toBe('v1'); // L1 copy
    await a.cache.set('k', 'v2');
    expect(await b.cache.get('k')).toBe('v2');
    await a.cache.delete('k');
    expect(await b.cache.get('k')).toBeUndefined();
    expect(a.bus.published.map((i) => i.kind)).toEqual(['keys', 'keys', 'keys']);
    await a.cache.clear();
    await a.cache.deleteByPattern('x*');
    expect(a.bus.published.slice(-2)).toEqual([{ kind: 'all' }, { kind: 'patterns', patterns: ['x*'] }]);
  });

  it('fails closed: a bus that goes down clears L1 and every read goes to L2 until it is up', async () => {
    const { a, b, direct } = setup();
    await a.cache.set('k', 'v1');
    expect(await b.cache.get('k')).toBe('v1');
    b.bus.set('down');
    await direct.set('k', 'v2');
    expect(await b.cache.get('k')).toBe('v2');
    await direct.set('k', 'v3');
    expect(await b.cache.get('k')).toBe('v3'); // not filled while down
    b.bus.set('up');
    expect(await b.cache.get('k')).toBe('v3'); // fills again
    await direct.set('k', 'v4');
    expect(await b.cache.get('k')).toBe('v3'); // now from L1
  });

  it('an L2 read that races an invalidation does not fill L1 with the old value', async () => {
    const { a, b, gate } = setup();
    await a.cache.set('k', 'old');
    let release!: () => void;
    gate.current = new Promise<void>((r) => {
      release = r;
    });
    // b reads 'old' from L2, but the reply is held until a's write and its message have landed.
    const read = b.cache.get('k');
    await new Promise((r) => setImmediate(r));
    gate.current = undefined;
    expect(gate.held).toEqual(['getEntry(k)']); // the L1 miss read value and expiry in one L2 read
    await a.cache.set('k', 'new');
    release();
    expect(await read).toBe('old');
    expect(await b.cache.get('k')).toBe('new');
  });
});
