import { runtimeConformance } from './_conformance.js';

runtimeConformance('native');
