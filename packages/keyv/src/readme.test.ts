import { fileURLToPath } from 'node:url';
import { testReadmeExamples } from '../../../tooling/readme-doctest.ts';

testReadmeExamples(fileURLToPath(new URL('../README.md', import.meta.url)));
