/**
 * `@gocache/core/store-kit`: what every store needs, for third-party providers too. A store built
 * from these parts gets core's rules (expiry, leave events and their order, derived operations)
 * by construction instead of by hand.
 */
export type { CompleteStore } from './fallbacks.js';
export { completeStore } from './fallbacks.js';
