// The vfs driver passes the storage conformance suite.
import { storageDriverSuite } from './_conformance.js';

storageDriverSuite('vfs');
