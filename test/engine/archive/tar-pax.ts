// tar-pax.ts patches tar-stream's private headers.js: the installed version is
// the pinned one and has what the patch needs, and anything else is refused
// by name (the module throws at load rather than write mangled xattrs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PATCHED_TAR_STREAM, patchProblems } from '../../../src/engine/archive/tar-pax.js';
import { PACKAGE_ROOT } from '../../../src/engine/sys.js';
import { tempDir } from '../../_helpers.js';

const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('tar-stream'));

test('the installed tar-stream is the pinned one, and package.json pins it exactly', () => {
  const headers = require(path.join(dir, 'headers.js'));
  assert.equal(patchProblems(require('tar-stream/package').version, dir, headers), []);
  assert.is(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).dependencies['tar-stream'], PATCHED_TAR_STREAM);
});

test('another version, or one whose pack/extract no longer call headers.js, is refused with each reason', () => {
  const other = tempDir('tar-stream-');
  fs.writeFileSync(path.join(other, 'pack.js'), 'const { encodePax } = require("./headers")\nencodePax(x)\n');
  const problems = patchProblems('3.3.0', other, {});
  assert.equal(problems, [
    `it is 3.3.0, the patch is for ${PATCHED_TAR_STREAM}`,
    'headers.js has no encodePax/decodePax',
    'pack.js does not call headers.encodePax(…)',
    'extract.js does not call headers.decodePax(…)',
  ]);
});

test.run();
