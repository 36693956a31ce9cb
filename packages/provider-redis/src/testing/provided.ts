import type { ProvidedRedisCluster } from './global-setup.js';

declare module 'vitest' {
  /** Values the int project's globalSetup provides to tests. */
  export interface ProvidedContext {
    redisCluster: ProvidedRedisCluster;
  }
}
