// The byte formatters: one family, each with the precision of the place
// Docker prints it (images/df, pull progress, stats memory).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binarySize, humanSize, parseBytes, progressSize } from '../../src/engine/units.js';

test('humanSize: decimal units, as docker images and system df', () => {
  assert.is(humanSize(0), '0B');
  assert.is(humanSize(999), '999B');
  assert.is(humanSize(1536), '1.54kB');
  assert.is(humanSize(4_261_234), '4.26MB');
  assert.is(humanSize(72_834_000), '72.83MB');
  assert.is(humanSize(1_240_000_000), '1.24GB');
});

test('progressSize: decimal units, 3 significant figures, as pull and push progress', () => {
  assert.is(progressSize(999), '999B');
  assert.is(progressSize(2_000_000), '2MB');
  assert.is(progressSize(1_234_567), '1.23MB');
  assert.is(progressSize(72_834_000), '72.8MB');
  assert.is(progressSize(1_200_000), '1.2MB');
  // at the top unit the value is written out, never in exponent form
  assert.is(progressSize(1_234_000_000_000_000), '1230TB');
});

test('binarySize: binary units, as docker stats memory', () => {
  assert.is(binarySize(512), '512B');
  assert.is(binarySize(1024), '1KiB');
  assert.is(binarySize(1.5 * 1024 ** 2), '1.50MiB');
  assert.is(binarySize(12.5 * 1024 ** 2), '12.5MiB');
  assert.is(binarySize(2 * 1024 ** 3), '2GiB');
});

test('parseBytes reads the units the formatters write back (binary, as Docker\'s flags)', () => {
  assert.is(parseBytes('512m'), 512 * 1024 ** 2);
  assert.is(parseBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.throws(() => parseBytes('12 parsecs'), /invalid value "12 parsecs" for --memory/);
});

test.run();
