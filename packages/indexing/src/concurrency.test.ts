import { backends } from '../test/backends.js';
import { raceSuite } from '../test/race-suite.js';

raceSuite(backends());
