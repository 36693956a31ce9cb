import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Run one of the demo's scripts as a user would (`node src/<script>`), on Redis when `redis` is
 * set (REDIS_URL, default the local server): an unreachable Redis makes the script exit non-zero,
 * so a test fails rather than skips.
 */
export function runScript(script: string, redis: boolean): SpawnSyncReturns<string> {
  const env = { ...process.env };
  if (redis) env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  else delete env.REDIS_URL;
  return spawnSync(process.execPath, [`src/${script}`], { cwd: root, env, encoding: 'utf8', timeout: 50_000 });
}
