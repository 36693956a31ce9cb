import { gocacheVitest } from '../../tooling/vitest.preset.ts';

export default gocacheVitest({ int: true });
