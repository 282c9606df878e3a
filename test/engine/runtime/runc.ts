import { runtimeConformance } from './_conformance.js';

runtimeConformance('runc');
