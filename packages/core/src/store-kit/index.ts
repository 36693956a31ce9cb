/**
 * `@gocache/core/store-kit`: what every store needs, for third-party providers too. A store built
 * from these parts gets core's rules (expiry, leave events and their order, derived operations)
 * by construction instead of by hand. Every part is plain code with no dependencies: an
 * in-process store uses all of them, a remote one the fallbacks and the leave-event order.
 */

export { type ExpiryClock, expiresAt, expiryClock, expiryMetadata, isExpired, NEVER } from './expiry.js';
export { ExpirySweeper, type ExpirySweeperOptions, type Sweepable, sweepMap } from './expiry-sweeper.js';
export type { CompleteStore } from './fallbacks.js';
export { completeStore } from './fallbacks.js';
export { IndexRegistry } from './index-registry.js';
export { KeyIndexes } from './key-indexes.js';
export { LeaveEvents } from './leave-events.js';
export { DEFAULT_MAX_KEY_LENGTH, storeConfig } from './store-config.js';
