import type { RedisArg } from './commands.js';

/**
 * The Redis protocol of this provider as data: the key layout, the entry hash's field names and
 * each script's KEYS and ARGV, defined once here. `src/lua/codegen.ts` turns them into the Lua
 * header of every script (`src/lua/scripts.generated.ts`), the store builds its arguments with
 * `argv` from the same lists, and `KeyLayout` builds keys from the same kinds. Change a name or a
 * position here and regenerate (`pnpm --filter @gocache/provider-redis generate`); the test
 * `src/lua/codegen.test.ts` fails while the generated module is out of date.
 */

/**
 * Key kinds: with prefix `P` and encoded cache name `N`, a key is `P:N:<kind>:…`. Per-entry kinds
 * are followed by `{K}` (the encoded user key as the hash tag, so they share the entry's slot).
 */
export const KIND = {
  /** `P:N:e:{K}` the entry hash. */
  entry: 'e',
  /** `P:N:l:{K}` the distributed `getOrSet` lock (a token string). */
  lock: 'l',
  /** `P:N:m:{K}` load markers: tokens of loads in flight without the lock (a set). */
  marker: 'm',
  /** `P:N:u:{K}` the `update` ticket (a token string). */
  ticket: 'u',
  /** `P:N:i:I:X` the sorted set of index `I`, index key `X`. */
  index: 'i',
  /**
   * `P:N:f` loads in flight (a sorted set: `<encoded key> <token>` scored by lease end), so that
   * `deleteByIndex` and `deleteByPattern` can cancel the loads of keys they cannot name.
   */
  flights: 'f',
} as const;

/** The fields of an entry hash. */
export const FIELD = {
  /** The encoded value bytes. */
  value: 'v',
  /** createdAt, epoch ms (the writer's clock); kept on overwrite. */
  created: 'c',
  /** updatedAt, epoch ms (the writer's clock). */
  updated: 'u',
  /** Size of the value bytes. */
  size: 's',
  /** The version token (compare-and-set). */
  version: 'n',
  /**
   * The entry's expiry as its writer's clock puts it: epoch ms (the write's or touch's `now` plus
   * the TTL), `-1` when it never expires. Redis removes the key by its own clock (`PEXPIRE`), which
   * runs after `now` was read, so on hosts whose clocks agree this is never later than the removal.
   * Reads that need the expiry (`getEntry`, `getMetadata`) take it from here with the value, in one
   * plain `HMGET`.
   */
  expires: 'x',
  /** '1' once the entry has (had) explicit back-references. */
  hasRefs: 'r',
  /** Value-derived memberships, `<index>:<index key>` each between spaces. */
  derived: 'd',
  /** The score of the entry in all its index sets, explicit and derived ('inf' or epoch ms, at or above its expiry). */
  derivedScore: 'e',
  /** Prefix of an explicit back-reference field: `i:<index set key>`. */
  refPrefix: 'i:',
} as const;

/** Names of a script's KEYS or ARGV, in order. */
export type Names = readonly string[];

/** Each script's KEYS and ARGV, by name. The Lua header binds them to `K_<name>` / `A_<name>`. */
export const SCRIPTS = {
  /**
   * Every write: set | nx | xx | cas | fence | mark. `guard`: the lock (fence), the update ticket
   * (cas) or the load markers (mark).
   */
  write: {
    keys: ['entry', 'guard'],
    // Mode-specific and optional names last: a plain set leaves them out (fewer arguments to send).
    // `channel`, `message`: a bus message the write publishes once it is certain to write
    // (`Store.publishingWrites`). `decisions` only on the second call of a write into a full
    // limited index key (see write.lua).
    argv: ['value', 'head', 'channel', 'message', 'expected', 'token', 'plan', 'sig', 'decisions'],
    // Every write's small arguments travel as one (each argument costs the client a buffer and
    // Redis an object); none of them can hold a space.
    packed: { head: ['mode', 'ttl', 'expires', 'version', 'now', 'inline'] },
  },
  /** A new expiry for a live entry; value, version and updatedAt unchanged. */
  touch: { keys: ['entry'], argv: ['ttl', 'expires', 'inline', 'channel', 'message'] },
  /** Remove an entry with its load lock and markers (so a load in flight cannot store it again). */
  delete: { keys: ['entry', 'lock', 'marker'], argv: ['inline', 'channel', 'message'] },
  meta: { keys: ['entry'], argv: [] },
  refAdd: { keys: ['entry'], argv: ['index', 'inline'] },
  refRemove: { keys: ['entry'], argv: ['index', 'inline'] },
  indexAdd: { keys: ['index'], argv: ['score', 'member'] },
  indexRead: { keys: ['index'], argv: ['entryPrefix', 'inline'] },
  lockRelease: { keys: ['lock'], argv: ['token'] },
  lockExtend: { keys: ['lock'], argv: ['token', 'ttl'] },
  /** Register a load in flight (a token in the key's marker set, with a lease). */
  markBegin: { keys: ['marker'], argv: ['token', 'ttl'] },
  /** Extend the markers' lease while the token is there; drop the token (`end` = 1). */
  markExtend: { keys: ['marker'], argv: ['token', 'ttl', 'end'] },
  /** Register (or extend) a load in flight in the registry `P:N:f`; prunes what crashed processes left. */
  flightsAdd: { keys: ['flights'], argv: ['score', 'member', 'stale', 'ttl'] },
  mget: { keys: [], argv: [] },
} as const satisfies Record<string, Spec>;

/**
 * A script's KEYS and ARGV. `packed` names an ARGV that carries several arguments as one string,
 * joined by single spaces: the builder joins them, the generated Lua header splits them back into
 * `A_<name>` locals. Only arguments that can never hold a space may be packed ('' is fine).
 */
interface Spec {
  readonly keys: Names;
  readonly argv: Names;
  readonly packed?: Readonly<Record<string, Names>>;
}

export type ScriptName = keyof typeof SCRIPTS;

type Packed<S extends ScriptName> = (typeof SCRIPTS)[S] extends { packed: infer P extends Record<string, Names> }
  ? P
  : Record<never, Names>;

/** Arguments of script `S` by name, packed ones included; a name left out (or `undefined`) is sent as ''. */
export type ArgsOf<S extends ScriptName> = {
  readonly [N in Exclude<(typeof SCRIPTS)[S]['argv'][number], keyof Packed<S>>]?: RedisArg | undefined;
} & { readonly [N in PackedNames<S>]?: string | undefined };

type PackedNames<S extends ScriptName> = {
  [K in keyof Packed<S>]: Packed<S>[K] extends readonly (infer N extends string)[] ? N : never;
}[keyof Packed<S>];

/** The names each packed ARGV of script `name` carries (none for most scripts). */
export function packedOf(name: ScriptName): Readonly<Record<string, Names>> {
  return (SCRIPTS[name] as Spec).packed ?? {};
}

/**
 * The ARGV of script `name`, in its declared order: the one builder every caller uses. Trailing
 * names left out are not sent at all (the script sees nil), so optional tails cost nothing. A
 * packed ARGV is always sent: its arguments joined by spaces.
 */
export function argv<S extends ScriptName>(name: S, args: ArgsOf<S>): RedisArg[] {
  const names = SCRIPTS[name].argv as Names;
  const packed = packedOf(name);
  const a = args as Record<string, RedisArg | undefined>;
  let last = names.length - 1;
  while (last >= 0 && a[names[last]!] === undefined && packed[names[last]!] === undefined) last--;
  const out = new Array<RedisArg>(last + 1);
  for (let i = 0; i <= last; i++) {
    const n = names[i]!;
    const parts = packed[n];
    if (parts === undefined) {
      out[i] = a[n] ?? '';
      continue;
    }
    let joined = (a[parts[0]!] as string | undefined) ?? '';
    for (let j = 1; j < parts.length; j++) joined += ` ${(a[parts[j]!] as string | undefined) ?? ''}`;
    out[i] = joined;
  }
  return out;
}
