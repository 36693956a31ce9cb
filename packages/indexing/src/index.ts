export { portableIndexes } from './portable-indexes.js';
export type { RebuildIndexesOptions, RebuildIndexesProgress } from './rebuild-indexes.js';
export { rebuildIndexes } from './rebuild-indexes.js';
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
export type { IndexIssue, VerifyIndexesOptions, VerifyIndexesReport } from './verify-indexes.js';
export { verifyIndexes } from './verify-indexes.js';
export { withIndexes } from './with-indexes.js';
