import { decodePart, encodePart } from './key-codec.js';
import { KIND } from './protocol.js';

/**
 * Where one cache's data lives in Redis. With prefix `P` and the encoded cache name `N`:
 *
 * - `P:N:e:{K}`  the entry hash of user key `K` (value, metadata, version, index back-references)
 * - `P:N:l:{K}`  the distributed `getOrSet` lock of `K` (same hash slot as its entry)
 * - `P:N:m:{K}`  the load markers of `K`: tokens of `getOrSet` loads in flight without the lock
 * - `P:N:u:{K}`  the `update` ticket of `K`: a process that keeps losing compare-and-set takes a turn
 * - `P:N:f`      loads in flight: `<encoded key> <token>` scored by the end of their lease
 * - `P:N:i:I:X`  the sorted set of index `I` under index key `X` (members: encoded keys)
 *
 * The kind letters are `KIND` of `protocol.ts` (shared with the Lua scripts). Every part is `encodePart`-encoded, so none contains `:`, `{` or `}`: the layout parses
 * unambiguously, no two caches share a key, and the only hash tag in a key is the entry's own.
 */
export class KeyLayout {
  /** `P:N:` — every key of this cache starts with it. */
  readonly namespace: string;
  /** `P:N:e:{` — entry keys start with it. */
  readonly entryPrefix: string;
  readonly #lockPrefix: string;
  readonly #ticketPrefix: string;
  readonly #markerPrefix: string;
  readonly #indexPrefix: string;

  constructor(prefix: string, cacheName: string) {
    this.namespace = `${prefix}:${encodePart(cacheName)}:`;
    this.entryPrefix = `${this.namespace}${KIND.entry}:{`;
    this.#lockPrefix = `${this.namespace}${KIND.lock}:{`;
    this.#ticketPrefix = `${this.namespace}${KIND.ticket}:{`;
    this.#markerPrefix = `${this.namespace}${KIND.marker}:{`;
    this.#indexPrefix = `${this.namespace}${KIND.index}:`;
  }

  /** The encoded form of a user key, as stored in index sets. */
  member(key: string): string {
    return encodePart(key);
  }

  entry(key: string): string {
    return `${this.entryPrefix}${encodePart(key)}}`;
  }

  /** The entry key of an index member (an encoded key). */
  entryOfMember(member: string): string {
    return `${this.entryPrefix}${member}}`;
  }

  lock(key: string): string {
    return `${this.#lockPrefix}${encodePart(key)}}`;
  }

  /** `P:N:f`: the registry of loads in flight (see `Flights`). */
  flights(): string {
    return `${this.namespace}${KIND.flights}`;
  }

  /** The load markers of `key` (a set of tokens; same hash slot as the entry). */
  marker(key: string): string {
    return `${this.#markerPrefix}${encodePart(key)}}`;
  }

  updateTicket(key: string): string {
    return `${this.#ticketPrefix}${encodePart(key)}}`;
  }

  index(indexName: string, indexKey: string): string {
    return `${this.#indexPrefix}${encodePart(indexName)}:${encodePart(indexKey)}`;
  }

  /** The user key of an entry key, or `undefined` for a key this layout did not write. */
  keyOfEntry(redisKey: string): string | undefined {
    if (!redisKey.startsWith(this.entryPrefix) || !redisKey.endsWith('}')) return undefined;
    return decodePart(redisKey.slice(this.entryPrefix.length, -1));
  }

  /** Index name and key of an index set key, or `undefined` for a foreign key. */
  parseIndex(redisKey: string): { indexName: string; indexKey: string } | undefined {
    if (!redisKey.startsWith(this.#indexPrefix)) return undefined;
    const parts = redisKey.slice(this.#indexPrefix.length).split(':');
    if (parts.length !== 2) return undefined;
    const indexName = decodePart(parts[0]!);
    const indexKey = decodePart(parts[1]!);
    return indexName === undefined || indexKey === undefined ? undefined : { indexName, indexKey };
  }

  /** SCAN MATCH pattern for entries whose user key starts with `literalPrefix`. */
  entryMatch(literalPrefix: string): string {
    // Encoded text has no glob characters, so it needs no escaping.
    return `${this.entryPrefix}${encodePart(literalPrefix)}*`;
  }

  /** SCAN MATCH pattern for every index set of this cache. */
  indexMatch(): string {
    return `${this.#indexPrefix}*`;
  }

  /** SCAN MATCH pattern for every key of this cache. */
  namespaceMatch(): string {
    return `${this.namespace}*`;
  }
}
