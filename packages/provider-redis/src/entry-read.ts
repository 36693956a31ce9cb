import type { LiveEntry } from '@gocache/core';
import type { RedisExecutor, Site } from './redis-executor.js';
import { GET_ENTRY } from './scripts.js';
import type { StoredValues } from './stored-values.js';

/**
 * `Store.getEntry` on Redis: the value and its expiry in one script call (`get_entry.lua`), the
 * value decoded as `get` decodes it — corrupt bytes and foreign data (another Redis type under the
 * entry key) get the same treatment (`onDecodeError`). `site.key` is the user's key.
 */
export async function readEntry<T>(
  exec: RedisExecutor,
  values: StoredValues<T>,
  site: Site,
  entryKey: string,
): Promise<LiveEntry<T> | undefined> {
  const r = await exec.eval(site, GET_ENTRY, [entryKey], []);
  if (r === null || r === undefined) return undefined;
  if (r === 0) return values.foreign(site.key!, site.op);
  const [raw, expires] = r as [Buffer, unknown];
  const value = values.decode(raw, site.key!, site.op);
  if (value === undefined) return undefined;
  const at = Number(expires);
  return { value, expiresAt: at === -1 ? null : at };
}
