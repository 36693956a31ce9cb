import type { CacheProvider } from '@gocache/core';
import { memoryProvider } from '@gocache/provider-memory';

/** Where the demo's sessions live. */
export interface Backend {
  /** Printed in the banner. */
  readonly label: string;
  readonly provider: CacheProvider;
  /** Release what the demo opened itself (the Redis client); the manager closes the provider. */
  close(): Promise<void>;
}

/**
 * The memory provider by default; with `REDIS_URL` set, the Redis provider over an ioredis client.
 * Redis is imported dynamically so the memory path needs neither the package nor a server.
 */
export async function openBackend(redisUrl: string | undefined): Promise<Backend> {
  if (redisUrl === undefined || redisUrl === '') {
    return { label: 'memory provider', provider: memoryProvider(), close: async () => {} };
  }
  const [{ Redis }, { redisProvider }] = await Promise.all([import('ioredis'), import('@gocache/provider-redis')]);
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Keep the socket error (ioredis reports a bare "Connection is closed." from connect()).
  let lastError: Error | undefined;
  const onError = (err: Error) => {
    lastError = err;
  };
  client.on('error', onError);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw lastError ?? err;
  }
  client.off('error', onError);
  return {
    label: `Redis provider at ${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
    provider: redisProvider({ client }),
    async close() {
      await client.quit();
    },
  };
}
