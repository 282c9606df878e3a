// native/include/protocol.h and src/engine/runtime/protocol.ts must say the same thing.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as protocol from '../../../src/engine/runtime/protocol.js';
import { PACKAGE_ROOT } from '../../../src/engine/sys.js';

const header = fs.readFileSync(path.join(PACKAGE_ROOT, 'native', 'include', 'protocol.h'), 'utf8');
const defines = new Map<string, string>();
for (const match of header.matchAll(/^#define BERTH_(\w+)[ \t]+(\S+)/gm)) defines.set(match[1], match[2]);

test('every spec key in protocol.h is in protocol.ts with the same string, and back', () => {
  const cKeys = [...defines].filter(([name]) => name.startsWith('KEY_'));
  assert.ok(cKeys.length > 20, 'protocol.h defines the spec keys');
  for (const [name, value] of cKeys) {
    const tsName = name.slice(4) as keyof typeof protocol.KEY;
    assert.is(protocol.KEY[tsName], JSON.parse(value), `KEY.${tsName}`);
  }
  assert.is(Object.keys(protocol.KEY).length, cKeys.length, 'protocol.ts has no key protocol.h lacks');
});

test('numbers and separators agree', () => {
  assert.is(Number(defines.get('READY_FD')), protocol.READY_FD);
  assert.is(Number(defines.get('DETACH_1')), protocol.DETACH_1);
  assert.is(Number(defines.get('DETACH_2')), protocol.DETACH_2);
  assert.is(Number(defines.get('STREAM_STDOUT')), protocol.STREAM_STDOUT);
  assert.is(Number(defines.get('STREAM_STDERR')), protocol.STREAM_STDERR);
  assert.is(defines.get('SEP'), "'\\x1f'");
  assert.is(protocol.SEP, '\x1f');
  assert.is(JSON.parse(defines.get('SPEC_FILE')!), protocol.SPEC_FILE);
});

test('encodeSpec writes KEY\\0VALUE\\0 records and refuses NUL inside', () => {
  assert.equal(protocol.encodeSpec([['arg', 'echo'], ['arg', 'hi']]), Buffer.from('arg\0echo\0arg\0hi\0'));
  assert.throws(() => protocol.encodeSpec([['env', 'A=\0']]), /NUL/);
});

test.run();
