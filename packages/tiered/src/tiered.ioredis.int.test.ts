import { tieredConformance } from '../test/setup.js';

await tieredConformance('ioredis');
