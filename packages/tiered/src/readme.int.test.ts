import { fileURLToPath } from 'node:url';
import { testReadmeExamples } from '../../../tooling/readme-doctest.ts';
import { connect } from '../test/setup.js';

// Fail, not skip, when Redis is unreachable: the examples would hang on their own connection.
(await connect('ioredis')).close();

testReadmeExamples(fileURLToPath(new URL('../README.md', import.meta.url)));
