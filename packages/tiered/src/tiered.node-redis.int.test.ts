import { tieredConformance } from '../test/setup.js';

await tieredConformance('node-redis');
