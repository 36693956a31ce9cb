import { createHmac, type KeyObject } from 'node:crypto';
import {
  type Cache,
  type CacheEntryMetadata,
  CacheError,
  type MiddlewareHost,
  type MiddlewareObject,
  type OperationContext,
} from '@gocache/core';
import { optionError } from './options.js';

/** An HMAC secret: a string, bytes or a `KeyObject` (at least 32 bytes of entropy recommended). */
export type HmacSecret = string | Uint8Array | KeyObject;

/** Options of {@link keyHashing}. */
export interface KeyHashingOptions {
  /** The current HMAC secret. New keys are stored under it. */
  secret: HmacSecret;
  /**
   * Secrets being rotated out, newest first. A `get` (or `has`, `getMany`, `getOrSet`, `update`,
   * conditional write) that misses under `secret` looks under these and moves the entry to the
   * current hash; `delete`/`deleteMany` remove it under every secret. Needs `bindCache(cache)`.
   * @default []
   */
  previousSecrets?: readonly HmacSecret[] | undefined;
  /**
   * HMAC digest algorithm (any `node:crypto` HMAC algorithm).
   * @default 'sha256'
   */
  algorithm?: string | undefined;
  /**
   * Epoch-ms clock used to carry an entry's remaining TTL over when rotation moves it; give it the
   * cache's `clock` if the cache has one.
   * @default Date.now
   */
  now?: (() => number) | undefined;
}

/** The `keyHashing` middleware, plus what an application needs around it. */
export interface KeyHashingMiddleware extends MiddlewareObject {
  /** The stored form of `key` under the current secret (what `getByIndex` returns). */
  hash(key: string): string;
  /** Give the middleware the cache it is attached to, so rotation can read and move old entries. */
  bindCache(cache: Cache<unknown>): void;
}

// Marks the middleware's own follow-up calls, whose keys are already hashed. A private symbol, so
// no caller can smuggle a raw key past hashing.
const HASHED = Symbol('gocache.keyHashing.hashed');
const PATTERN_OPS = new Set(['getKeysByPattern', 'scanKeys', 'deleteByPattern']);
const MIGRATE_BEFORE = new Set(['getOrSet', 'update', 'setIfExists', 'setIfNotExists']);

/**
 * Stores keys as HMACs (`base64url`), so raw keys such as session tokens never reach the store:
 * not Redis keys, not pattern results, not hooks, audit logs or metric labels of inner layers.
 * Put it before `auditLog`/`secureCleanup` and after `rateLimit` (which may need the raw prefix).
 *
 * - `getMany` results are mapped back to the caller's keys; `getMetadata().key` is the caller's key.
 * - Pattern operations are refused with `INVALID_ARGUMENT`: an HMAC has no prefix a glob could match.
 * - Index operations keep working; `getByIndex` returns the HMACs (compare with `hash(key)`),
 *   `deleteByIndex` needs no raw keys. `indexKey`s are not hashed.
 * - A `getOrSet` loader still receives the caller's raw key.
 */
export function keyHashing(options: KeyHashingOptions): KeyHashingMiddleware {
  if (options === null || typeof options !== 'object' || options.secret === undefined) {
    throw optionError('keyHashing', 'options.secret is required: keyHashing({ secret: process.env.CACHE_KEY_SECRET })');
  }
  const algorithm = options.algorithm ?? 'sha256';
  const secrets = [options.secret, ...(options.previousSecrets ?? [])];
  for (const [i, s] of secrets.entries()) {
    const empty = typeof s === 'string' || s instanceof Uint8Array ? s.length === 0 : s === null || s === undefined;
    if (empty) throw optionError('keyHashing', `${i === 0 ? 'secret' : `previousSecrets[${i - 1}]`} must not be empty`);
  }
  try {
    createHmac(algorithm, secrets[0]!);
  } catch (cause) {
    throw new CacheError('INVALID_ARGUMENT', `algorithm "${algorithm}" is not an HMAC algorithm of node:crypto`, {
      cacheName: '?',
      op: 'keyHashing',
      cause,
    });
  }
  const hmacs = secrets.map((s) => (key: string) => createHmac(algorithm, s).update(key, 'utf8').digest('base64url'));
  const hash = hmacs[0]!;
  const previous = hmacs.slice(1);
  const rotating = previous.length > 0;
  const now = options.now ?? Date.now;
  let cache: Cache<unknown> | undefined;
  let cacheName = '?';
  // Follow-up calls carry the caller's attributes and signal, so access checks and aborts still apply.
  const passFor = (ctx: OperationContext) => ({
    signal: ctx.signal,
    attributes: { ...ctx.attributes, [HASHED]: true } as Record<string, unknown>,
  });

  const needCache = (op: string): Cache<unknown> => {
    if (cache !== undefined) return cache;
    throw new CacheError(
      'INVALID_ARGUMENT',
      'keyHashing has previousSecrets but no cache to read them from; call hashing.bindCache(cache) after creating the cache',
      { cacheName, op },
    );
  };

  /** Move `raw`'s entry from a previous secret's hash to the current one; true when one was found. */
  const migrate = async (raw: string, ctx: OperationContext): Promise<boolean> => {
    const c = needCache(ctx.op);
    const pass = passFor(ctx);
    const current = hash(raw);
    for (const h of previous) {
      const old = h(raw);
      const meta: CacheEntryMetadata | undefined = await c.getMetadata(old, pass);
      if (meta === undefined) continue;
      const value = await c.get(old, pass);
      if (value === undefined) continue;
      const ttl = meta.expiresAt === null ? Number.POSITIVE_INFINITY : meta.expiresAt - now();
      if (ttl <= 0) continue;
      // setIfNotExists: a concurrent write under the current secret is newer and wins.
      const wrote = await c.setIfNotExists(current, value, { ...pass, ttl });
      if (wrote) for (const i of meta.indexes) await c.addIndex(i.indexName, current, i.indexKey, pass);
      await c.delete(old, pass);
      return true;
    }
    return false;
  };

  const migrateIfMissing = async (raw: string, ctx: OperationContext): Promise<void> => {
    if (!(await needCache(ctx.op).has(hash(raw), passFor(ctx)))) await migrate(raw, ctx);
  };

  const refusePattern = (ctx: OperationContext): never => {
    throw new CacheError(
      'INVALID_ARGUMENT',
      'pattern operations are refused on a cache with keyHashing: keys are stored as HMACs, so no pattern can match them; use indexes (getByIndex/deleteByIndex) or clear()',
      { cacheName: ctx.cacheName, op: ctx.op },
    );
  };

  return {
    name: 'keyHashing',
    hash,
    bindCache(c) {
      cache = c;
    },
    attach(host: MiddlewareHost) {
      cacheName = host.cacheName;
    },
    async handle(ctx, next) {
      if ((ctx.attributes as Record<symbol, unknown>)[HASHED] === true) return next();
      if (PATTERN_OPS.has(ctx.op)) refusePattern(ctx);
      const raw = ctx.key;
      if (raw !== undefined) ctx.key = hash(raw);
      switch (ctx.op) {
        case 'get':
        case 'has': {
          const r = await next();
          const hit = ctx.op === 'has' ? r === true : r !== undefined;
          if (!rotating || hit) return r;
          if (!(await migrate(raw!, ctx))) return r;
          return ctx.op === 'has' ? true : needCache(ctx.op).get(ctx.key!, passFor(ctx));
        }
        case 'getMetadata': {
          let r = (await next()) as CacheEntryMetadata | undefined;
          if (r === undefined && rotating && (await migrate(raw!, ctx))) {
            r = await needCache(ctx.op).getMetadata(ctx.key!, passFor(ctx));
          }
          return r === undefined ? r : { ...r, key: raw! };
        }
        case 'getMany': {
          const raws = ctx.keys!;
          const byHash = new Map<string, string>();
          ctx.keys = raws.map((k) => {
            const h = hash(k);
            byHash.set(h, k);
            return h;
          });
          const found = (await next()) as Map<string, unknown>;
          const out = new Map<string, unknown>();
          for (const [h, v] of found) out.set(byHash.get(h)!, v);
          if (rotating) {
            for (const k of raws) {
              if (out.has(k) || !(await migrate(k, ctx))) continue;
              const v = await needCache(ctx.op).get(hash(k), passFor(ctx));
              if (v !== undefined) out.set(k, v);
            }
          }
          return out;
        }
        case 'deleteMany': {
          const raws = ctx.keys!;
          ctx.keys = rotating ? raws.flatMap((k) => [hash(k), ...previous.map((h) => h(k))]) : raws.map(hash);
          return next();
        }
        case 'delete': {
          const removed = (await next()) as boolean;
          if (!rotating) return removed;
          const more = await needCache(ctx.op).deleteMany(
            previous.map((h) => h(raw!)),
            passFor(ctx),
          );
          return removed || more > 0;
        }
        case 'setMany': {
          ctx.entries = ctx.entries!.map(([k, v]) => [hash(k), v]);
          ctx.keys = ctx.entries.map((e) => e[0]);
          return next();
        }
        case 'getOrSet': {
          if (rotating) await migrateIfMissing(raw!, ctx);
          // Core hands the loader the key it runs under; the loader must see the caller's key.
          const call = ctx as OperationContext & { loader?: (c: { key: string; signal: AbortSignal }) => unknown };
          const loader = call.loader;
          if (typeof loader === 'function') call.loader = (lc) => loader({ key: raw!, signal: lc.signal });
          return next();
        }
        default:
          if (rotating && MIGRATE_BEFORE.has(ctx.op)) await migrateIfMissing(raw!, ctx);
          return next();
      }
    },
  };
}
