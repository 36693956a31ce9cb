import { gocacheVitest } from '../../tooling/vitest.preset.ts';

// One Redis Cluster per int run, shared by the cluster*.int.test.ts files (see src/testing/).
export default gocacheVitest({ int: true, intGlobalSetup: ['./src/testing/global-setup.ts'] });
