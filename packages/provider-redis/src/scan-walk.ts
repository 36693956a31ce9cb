import type { RedisExecutor, Site } from './redis-executor.js';

/**
 * Every key matching `match` on every master, one SCAN step (`COUNT count`) at a time: batches of
 * key names as SCAN returns them (possibly with repeats, as SCAN allows).
 */
export async function* scanWalk(
  exec: RedisExecutor,
  site: Site,
  match: string,
  count: number,
): AsyncIterable<{ keys: string[]; node: (args: readonly (string | Buffer)[]) => Promise<unknown> }> {
  for (const node of await exec.masters(site)) {
    let cursor = '0';
    do {
      const [next, found] = (await node(['SCAN', cursor, 'MATCH', match, 'COUNT', String(count)])) as [
        Buffer,
        Buffer[],
      ];
      cursor = next.toString();
      if (found.length > 0) yield { keys: found.map(String), node };
    } while (cursor !== '0');
  }
}
