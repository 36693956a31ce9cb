export type { Callback } from './callback.js';
export type { GocacheSessionStoreOptions, SessionSerializer } from './options.js';
export { GocacheSessionStore } from './session-store.js';
