export { portableIndexes } from './portable-indexes.js';
export type {
  IndexDefinition,
  IndexDefinitions,
  IndexedCache,
  IndexKeys,
  IndexLimit,
  IndexQuery,
  IndexTerm,
  WithIndexesOptions,
} from './types.js';
export { withIndexes } from './with-indexes.js';
