/**
 * Seeded PRNG (mulberry32) shared with the conformance kit: every run of a suite replays the same
 * key sequence, so contenders and repeated runs see identical workloads (`Math.random` cannot be seeded).
 */
export { seededRandom as createRng } from '@gocache/core/conformance';
