import { createHash } from 'node:crypto';
import { LUA_SOURCES } from './lua/scripts.generated.js';
import type { ScriptName } from './protocol.js';

/** A Lua script, run by SHA (`EVALSHA`) and re-sent in full (`EVAL`) on `NOSCRIPT`. */
export interface LuaScript {
  readonly name: ScriptName;
  readonly source: string;
  readonly sha: string;
}

function script(name: ScriptName): LuaScript {
  const source = LUA_SOURCES[name];
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

// The sources are src/lua/*.lua with a header generated from src/protocol.ts (KEYS, ARGV, the key
// layout and the entry hash's field names); each file documents its own KEYS, ARGV and reply.

/**
 * Every write of an entry (set, nx, xx, cas, fence, mark): one call whatever the entry's state, two
 * for a write into a full limited index key (the second carries the index owner's decision).
 */
export const WRITE = script('write');
/** A new expiry for a live entry, index scores following. */
export const TOUCH = script('touch');
/** Remove an entry with its load lock and markers. */
export const DELETE = script('delete');
export const META = script('meta');
export const REF_ADD = script('refAdd');
export const REF_REMOVE = script('refRemove');
export const INDEX_ADD = script('indexAdd');
export const INDEX_READ = script('indexRead');
export const LOCK_RELEASE = script('lockRelease');
export const LOCK_EXTEND = script('lockExtend');
export const MARK_BEGIN = script('markBegin');
export const MARK_EXTEND = script('markExtend');
export const FLIGHTS_ADD = script('flightsAdd');
/** Up to `BATCH_CHUNK` entries' values in one call (single server). */
export const MGET = script('mget');
