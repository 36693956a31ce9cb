import { memoryProvider } from '@gocache/provider-memory';
import { describe, expect, it, vi } from 'vitest';
import { createCache } from './create-cache.js';
import { CacheError, isCacheError } from './errors.js';
import { createInProcessMetrics } from './in-process-metrics.js';
import { createManager } from './manager.js';
import type { MiddlewareFn, MiddlewareHost } from './middleware.js';
import type { CacheProvider, Store } from './spi.js';

/** Wraps a provider so tests can see every store call, and make chosen calls fail. */
function spyProvider(
  inner: CacheProvider = memoryProvider(),
  fail: Partial<Record<keyof Store<unknown>, unknown>> = {},
) {
  const calls: string[] = [];
  const provider: CacheProvider = {
    ...inner,
    name: 'spy',
    createStore<T>(config: Parameters<CacheProvider['createStore']>[0]) {
      const store = inner.createStore<T>(config);
      return new Proxy(store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function' || typeof prop !== 'string') return v;
          return (...args: unknown[]) => {
            calls.push(prop);
            if (prop in fail) {
              const f = fail[prop as keyof Store<unknown>];
              if (f === 'reject') return Promise.reject(new Error(`${prop} exploded`));
              if (f === 'false') return false;
              throw f;
            }
            return v.apply(target, args);
          };
        },
      });
    },
    close: () => inner.close(),
  };
  return { provider, calls };
}

const code = (c: string) => (e: unknown) => isCacheError(e) && e.code === c;

describe('hooks', () => {
  it('a throwing pre hook refuses with ACCESS_DENIED before the store is touched', async () => {
    const { provider, calls } = spyProvider();
    const metrics = createInProcessMetrics();
    const cache = createCache<string>(provider, {
      name: 'h',
      metrics,
      hooks: {
        preGet: () => {
          throw new Error('no reads');
        },
        preSet: async () => {
          throw new Error('no writes');
        },
        preDelete: () => {
          throw new Error('no deletes');
        },
      },
    });
    for (const op of [
      () => cache.get('k'),
      () => cache.has('k'),
      () => cache.getMany(['k']),
      () => cache.getMetadata('k'),
      () => cache.getKeysByPattern('*'),
      () => cache.set('k', 'v'),
      () => cache.update('k', () => 'v'),
      () => cache.setIfNotExists('k', 'v'),
      () => cache.getOrSet('k', () => 'v'),
      () => cache.delete('k'),
      () => cache.clear(),
      () => cache.deleteByPattern('*'),
    ]) {
      const e = await op().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isCacheError(e, 'ACCESS_DENIED'), String(e)).toBe(true);
      expect((e as CacheError).cause).toBeInstanceOf(Error);
    }
    expect(calls).toEqual([]);
    expect(metrics.snapshot().securityEvents.access_denied).toBe(12);
    await cache.close();
  });

  it('getOrSet needs both preGet and preSet; post hooks see results and cannot fail the call', async () => {
    const seen: string[] = [];
    const errors: CacheError[] = [];
    const cache = createCache<number>(memoryProvider(), {
      name: 'h2',
      hooks: {
        preGet: ({ op }) => void seen.push(`preGet:${op}`),
        preSet: ({ op }) => void seen.push(`preSet:${op}`),
        postGet: ({ op, hit, value }) => {
          seen.push(`postGet:${op}:${hit}:${value}`);
        },
        postSet: () => {
          throw new Error('post hook bug');
        },
        postDelete: ({ removed }) => void seen.push(`postDelete:${removed}`),
        onError: (e) => void errors.push(e),
      },
    });
    expect(await cache.getOrSet('a', () => 1)).toBe(1);
    await cache.set('b', 2);
    expect(await cache.get('b')).toBe(2);
    expect(await cache.delete('b')).toBe(true);
    expect(seen).toEqual([
      'preGet:getOrSet',
      'preSet:getOrSet',
      'postGet:getOrSet:true:1',
      'preSet:set',
      'preGet:get',
      'postGet:get:true:2',
      'postDelete:1',
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.op).toBe('set');
    await cache.close();
  });

  it('onEvict reports deletes and clears with their reason', async () => {
    const evicted: string[] = [];
    const cache = createCache<number>(memoryProvider(), {
      name: 'h3',
      hooks: { onEvict: ({ key, reason }) => void evicted.push(`${key}:${reason}`) },
    });
    await cache.setMany({ a: 1, b: 2 });
    await cache.delete('a');
    await cache.clear();
    expect(evicted).toEqual(['a:deleted', 'b:cleared']);
    await cache.close();
  });
});

describe('middleware', () => {
  it('runs outermost first and may rewrite keys for the layers inside it', async () => {
    const order: string[] = [];
    const tag =
      (name: string): MiddlewareFn =>
      async (_ctx, next) => {
        order.push(`${name}>`);
        const r = await next();
        order.push(`<${name}`);
        return r;
      };
    const upper: MiddlewareFn = (ctx, next) => {
      if (ctx.key !== undefined) ctx.key = ctx.key.toUpperCase();
      return next();
    };
    const { provider } = spyProvider();
    const cache = createCache<string>(provider, { name: 'mw', middleware: [tag('a'), upper, tag('b')] });
    await cache.set('key', 'v');
    expect(order).toEqual(['a>', 'b>', '<b', '<a']);
    expect(await cache.getKeysByPattern('*')).toEqual(['KEY']);
    expect(await cache.get('KEY')).toBe('v');
    await cache.close();
  });

  it("a getOrSet loader gets the caller's key even when a middleware rewrote it; objects learn their cache", async () => {
    let host: MiddlewareHost | undefined;
    const cache = createCache<string>(memoryProvider(), {
      name: 'mw3',
      middleware: [
        {
          name: 'prefixer',
          attach: (h) => {
            host = h;
          },
          handle: (ctx, next) => {
            if (ctx.key !== undefined) ctx.key = `hashed:${ctx.key}`;
            return next();
          },
        },
      ],
    });
    expect(host?.cache).toBe(cache);
    expect(host?.cacheName).toBe('mw3');
    expect(await cache.getOrSet('session:1', ({ key }) => `loaded ${key}`)).toBe('loaded session:1');
    expect(await cache.getKeysByPattern('*')).toEqual(['hashed:session:1']);
    await cache.close();
  });

  it('fails closed when a middleware throws something that is not a CacheError', async () => {
    const cache = createCache<string>(memoryProvider(), {
      name: 'mw2',
      middleware: [
        () => {
          throw new TypeError('bug');
        },
      ],
    });
    await expect(cache.get('k')).rejects.toSatisfy(code('ACCESS_DENIED'));
    await cache.close();
  });
});

describe('metrics', () => {
  it('records operations with status, hits and misses, and observes the entry count', async () => {
    const metrics = createInProcessMetrics();
    const cache = createCache<number>(memoryProvider(), { name: 'm', metrics });
    await cache.set('a', 1);
    await cache.get('a');
    await cache.get('zz');
    await cache.getMany(['a', 'zz']);
    await cache.getOrSet('b', () => 2);
    await cache.getOrSet('b', () => 3);
    await cache.set('x', undefined as never).catch(() => {});
    const s = metrics.snapshot();
    expect(s.hits).toBe(3);
    expect(s.misses).toBe(3);
    expect(s.operations.get).toMatchObject({ ok: 2, error: 0 });
    expect(s.operations.getOrSet).toMatchObject({ ok: 2 });
    expect(await metrics.entryCounts()).toEqual({ m: 2 });
    await cache.close();
    expect(await metrics.entryCounts()).toEqual({});
  });
});

describe('errors are not misses', () => {
  it('a failing store rejects with PROVIDER (cause attached) unless errorsAsMisses is set', async () => {
    const { provider } = spyProvider(memoryProvider(), { get: new Error('socket closed'), has: 'reject' });
    const strict = createCache<number>(provider, { name: 'strict' });
    const e = await strict.get('k').catch((x: unknown) => x);
    expect(isCacheError(e, 'PROVIDER')).toBe(true);
    expect((e as Error).message).toMatch(/provider "spy" failed: socket closed/);
    expect(((e as Error).cause as Error).message).toBe('socket closed');
    await expect(strict.has('k')).rejects.toSatisfy(code('PROVIDER'));
    const lenient = createCache<number>(spyProvider(memoryProvider(), { get: new Error('down') }).provider, {
      name: 'lenient',
      errorsAsMisses: true,
    });
    expect(await lenient.get('k')).toBeUndefined();
    await strict.close();
    await lenient.close();
  });

  it('a CacheError from the store keeps its code', async () => {
    const down = new CacheError('UNAVAILABLE', 'circuit open', { cacheName: 'c', op: 'get' });
    const cache = createCache<number>(spyProvider(memoryProvider(), { get: down }).provider, { name: 'c' });
    await expect(cache.get('k')).rejects.toBe(down);
    await cache.close();
  });
});

describe('cancellation, timeouts, retries', () => {
  it('an already-aborted signal rejects with ABORTED before any I/O', async () => {
    const { provider, calls } = spyProvider();
    const cache = createCache<number>(provider, { name: 'ab' });
    const signal = AbortSignal.abort(new Error('user left'));
    await expect(cache.get('k', { signal })).rejects.toSatisfy(code('ABORTED'));
    await expect(cache.set('k', 1, { signal })).rejects.toSatisfy(code('ABORTED'));
    await expect(cache.getOrSet('k', () => 1, { signal })).rejects.toSatisfy(code('ABORTED'));
    await expect(cache.deleteByIndex('i', 'x', { signal })).rejects.toSatisfy(code('ABORTED'));
    expect(calls).toEqual([]);
    await cache.close();
  });

  it('loaderTimeout releases waiters with TIMEOUT and stores nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const cache = createCache<number>(memoryProvider(), { name: 'lt', loaderTimeout: '50ms' });
      let loaderSignal: AbortSignal | undefined;
      const p = cache.getOrSet('k', ({ signal }) => {
        loaderSignal = signal;
        return new Promise<number>(() => {});
      });
      const assertion = expect(p).rejects.toSatisfy(code('TIMEOUT'));
      await vi.advanceTimersByTimeAsync(60);
      await assertion;
      expect(loaderSignal?.aborted).toBe(true);
      expect(await cache.has('k')).toBe(false);
      await cache.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('updater timeout → TIMEOUT, nothing written, the key is free again', async () => {
    const cache = createCache<number>(memoryProvider(), { name: 'ut' });
    await cache.set('k', 1);
    await expect(cache.update('k', () => new Promise<number>(() => {}), { timeout: 20 })).rejects.toSatisfy(
      code('TIMEOUT'),
    );
    expect(await cache.update('k', (n) => (n ?? 0) + 1)).toBe(2);
    await cache.close();
  });

  it('same-key updates run one at a time in call order; a failing one hands the key to the next', async () => {
    const cache = createCache<string>(memoryProvider(), { name: 'fifo' });
    await cache.set('k', '');
    const seen: string[] = [];
    let running = 0;
    const step = (tag: string, fail = false) =>
      cache.update('k', async (old) => {
        running++;
        expect(running).toBe(1); // never two updaters of one key at once
        seen.push(old ?? '?');
        await new Promise((r) => setTimeout(r, 2));
        running--;
        if (fail) throw new Error(`updater ${tag} failed`);
        return `${old}${tag}`;
      });
    const results = await Promise.allSettled([step('a'), step('b', true), step('c'), step('d')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(seen).toEqual(['', 'a', 'a', 'ac']); // each saw its predecessors' writes, in order
    expect(await cache.get('k')).toBe('acd');
    // Sync updaters, and a sync throw, on a key nobody else is updating.
    expect(await cache.update('k', (old) => `${old}!`)).toBe('acd!');
    await expect(
      cache.update('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toSatisfy(code('UPDATER_FAILED'));
    expect(await cache.get('k')).toBe('acd!');
    await cache.close();
  });

  it('update gives up with CONFLICT after updateRetries + 1 failed compare-and-sets', async () => {
    const { provider, calls } = spyProvider(memoryProvider(), { compareAndSet: 'false' });
    const cache = createCache<number>(provider, { name: 'cf', updateRetries: 3 });
    await expect(cache.update('k', () => 1)).rejects.toSatisfy(code('CONFLICT'));
    expect(calls.filter((c) => c === 'compareAndSet')).toHaveLength(4);
    await cache.close();
  });

  it('detects a loader waiting for its own key through another key', async () => {
    const cache = createCache<number>(memoryProvider(), { name: 'rec' });
    const a: () => Promise<number> = () => cache.getOrSet('a', () => b());
    const b: () => Promise<number> = () => cache.getOrSet('b', () => a());
    const e = await a().catch((x: unknown) => x);
    expect(isCacheError(e, 'LOADER_FAILED')).toBe(true);
    let inner: unknown = e;
    while (isCacheError(inner) && inner.code === 'LOADER_FAILED') inner = inner.cause;
    expect(isCacheError(inner, 'INVALID_ARGUMENT')).toBe(true);
    expect(await cache.has('a')).toBe(false);
    await cache.close();
  });
});

describe('createCache validation', () => {
  const p = memoryProvider();
  it.each([
    [{ name: '' }, /name must be/],
    [{ name: 'has space' }, /name must be/],
    [{ name: 'x', maxEntries: 0 }, /maxEntries must be a positive whole number/],
    [{ name: 'x', maxKeyLength: 1.5 }, /maxKeyLength/],
    [{ name: 'x', clone: 'deep' }, /clone must be/],
    [{ name: 'x', middleware: [42] }, /middleware\[0\]/],
    [{ name: 'x', metrics: {} }, /recordHit\(\) is missing/],
    [{ name: 'x', indexes: { idx: '' } }, /indexes.idx/],
    [{ name: 'x', updateRetries: -1 }, /updateRetries/],
    [{ name: 'x', clock: {} }, /clock must be/],
  ])('%j → INVALID_ARGUMENT', (options, message) => {
    expect(() => createCache(p, options as never)).toThrow(message);
    try {
      createCache(p, options as never);
    } catch (e) {
      expect(isCacheError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('bad TTLs and providers are refused with their own codes', () => {
    expect(() => createCache(p, { name: 'x', ttl: 0 })).toThrow(/for no expiry pass Infinity/);
    expect(() => createCache(p, { name: 'x', cleanupInterval: 'soon' })).toThrow(/cleanupInterval/);
    expect(() =>
      createCache({ ...p, specificationVersion: 3 as 1, createStore: p.createStore }, { name: 'x' }),
    ).toThrow(/SPI version 3/);
  });

  it('declared indexes admit only matching keys, and only declared names', async () => {
    const cache = createCache<number>(memoryProvider(), { name: 'idx', indexes: { by_user: 'session:*' } });
    await cache.set('session:1', 1);
    await cache.set('other:1', 1);
    await cache.addIndex('by_user', 'session:1', 'u1');
    await expect(cache.addIndex('by_user', 'other:1', 'u1')).rejects.toSatisfy(code('INVALID_ARGUMENT'));
    await expect(cache.addIndex('by_usr', 'session:1', 'u1')).rejects.toThrow(
      /not declared; declared indexes: by_user/,
    );
    await expect(cache.addIndex('by_user', 'session:2', 'u1')).rejects.toSatisfy(code('NOT_FOUND'));
    expect(await cache.getByIndex('by_user', 'u1')).toEqual(['session:1']);
    await cache.close();
  });
});

describe('createManager', () => {
  it('applies defaults, lists registered providers, refuses duplicate names, closes everything', async () => {
    const closed: string[] = [];
    const mem = memoryProvider();
    const tracked: CacheProvider = {
      ...mem,
      createStore: mem.createStore.bind(mem),
      close: async () => void closed.push('memory'),
    };
    const manager = createManager({ providers: { memory: tracked }, defaults: { ttl: '1h' } });
    expect(() => manager.newCache('redis', { name: 'x' })).toThrow(/no provider named "redis"; registered: memory/);
    const a = manager.newCache<number>('memory', { name: 'a' });
    expect(() => manager.newCache('memory', { name: 'a' })).toThrow(/already exists/);
    await a.set('k', 1);
    const meta = await a.getMetadata('k');
    expect(meta!.expiresAt! - meta!.updatedAt).toBe(3_600_000);
    manager.registerProvider('memory2', memoryProvider());
    expect(manager.providerNames()).toEqual(['memory', 'memory2']);
    await manager.close();
    await manager.close();
    expect(closed).toEqual(['memory']);
    await expect(a.get('k')).rejects.toSatisfy(code('CLOSED'));
    expect(() => manager.newCache('memory', { name: 'b' })).toThrow(/manager is closed/);
  });

  it('a closed cache frees its name in the manager', async () => {
    const manager = createManager({ providers: { memory: memoryProvider() } });
    const a = manager.newCache<number>('memory', { name: 'a' });
    await a.close();
    const again = manager.newCache<number>('memory', { name: 'a' });
    await again.set('k', 1);
    await manager.close();
  });
});
