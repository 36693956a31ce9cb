import { fileURLToPath } from 'node:url';
import { testReadmeExamples } from '../../../tooling/readme-doctest.ts';
import { ioredisClient } from './clients.js';

// Fail, not skip, when Redis is unreachable: the examples would hang on their own connection.
(await ioredisClient()).disconnect();

testReadmeExamples(fileURLToPath(new URL('../README.md', import.meta.url)));
