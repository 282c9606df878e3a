// createDriver gives the named driver; driverProblem says why one cannot work.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statePaths } from '../../../src/engine/paths.js';
import { assertDriverWorks, createDriver, DRIVER_NAMES, driverProblem } from '../../../src/engine/storage/index.js';
import { berthRoot } from '../../_helpers.js';

test('createDriver gives each named driver', () => {
  const paths = statePaths(berthRoot());
  for (const name of DRIVER_NAMES) assert.is(createDriver(name, paths).name, name);
});

test('every driver works on the test machine (overlayfs, btrfs, btrfs-progs present)', () => {
  for (const name of DRIVER_NAMES) {
    assert.is(driverProblem(name), undefined, name);
    assertDriverWorks(name);
  }
});

test.run();
