import { fileURLToPath } from 'node:url';
import { testReadmeExamples } from '../../../tooling/readme-doctest.ts';

testReadmeExamples(fileURLToPath(new URL('../README.md', import.meta.url)));

// The root README's example runs here too: core is what it shows first.
testReadmeExamples(fileURLToPath(new URL('../../../README.md', import.meta.url)));
