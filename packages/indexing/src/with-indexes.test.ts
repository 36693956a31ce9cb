import { backends } from '../test/backends.js';
import { indexingSuite } from '../test/indexing-suite.js';

indexingSuite(backends());
