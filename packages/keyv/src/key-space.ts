import { CacheError, escapeGlob } from '@gocache/core';

/**
 * Where a Keyv namespace's keys live in the gocache cache: under `<namespace><separator>`, so that
 * `clear()` and `iterator()` can reach exactly one namespace, whether or not Keyv prefixes keys
 * itself (`useKeyPrefix`). Without a namespace, keys are stored as Keyv gives them.
 */
export class KeySpace {
  readonly namespace: string | undefined;
  private readonly prefix: string;

  constructor(
    namespace: string | undefined,
    readonly separator: string,
    cacheName: string,
  ) {
    // Keyv clears a namespace by setting it to undefined; '' has no keys of its own either.
    this.namespace = namespace === '' || namespace === null ? undefined : namespace;
    if (this.namespace !== undefined && typeof this.namespace !== 'string') {
      throw new CacheError('INVALID_ARGUMENT', `a Keyv namespace must be a string, got ${typeof this.namespace}`, {
        cacheName,
        op: 'namespace',
      });
    }
    if (this.namespace?.includes(separator)) {
      throw new CacheError(
        'INVALID_ARGUMENT',
        `Keyv namespace "${this.namespace}" contains the key prefix separator "${separator}", so its clear() would also delete the keys of namespace "${this.namespace.split(separator)[0]}"; choose a namespace without "${separator}" or pass another keyPrefixSeparator`,
        { cacheName, op: 'namespace' },
      );
    }
    this.prefix = this.namespace === undefined ? '' : this.namespace + separator;
  }

  /** The gocache key of a Keyv key. */
  toCacheKey(key: string): string {
    return this.prefix + key;
  }

  /** The Keyv key of a gocache key found by `pattern()`. */
  toKeyvKey(cacheKey: string): string {
    return cacheKey.slice(this.prefix.length);
  }

  /** The glob that matches every key of this namespace (every key of the cache without one). */
  pattern(): string {
    return `${escapeGlob(this.prefix)}*`;
  }
}
