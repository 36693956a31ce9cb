import { gocacheVitest } from '../../tooling/vitest.preset.ts';

export default gocacheVitest({ testTimeout: 60_000 });
