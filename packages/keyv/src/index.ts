export type { KeyvGocacheEntry, KeyvGocacheOpts } from './keyv-gocache.js';
export { KeyvGocache } from './keyv-gocache.js';
export type { KeyvGocacheOptions } from './options.js';
export type { MissingTtl } from './ttl.js';
