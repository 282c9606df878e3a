// The overlay driver passes the storage conformance suite.
import { storageDriverSuite } from './_conformance.js';

storageDriverSuite('overlay');
