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

/** The long options a C file's getopt table names: every entry must be one of protocol.h's macros for that program. */
function longOptions(file: string, prefix: string): string[] {
  const source = fs.readFileSync(path.join(PACKAGE_ROOT, 'native', file), 'utf8');
  const table = /static const struct option \w+\[\] = \{([\s\S]*?)\};/.exec(source)?.[1] ?? '';
  const names = [...table.matchAll(/\{\s*([^,\s]+)\s*,/g)].map((m) => m[1]!).filter((n) => n !== '0');
  for (const name of names) assert.ok(name.startsWith(`BERTH_${prefix}`), `${file}: option ${name} is not a ${prefix} macro of protocol.h`);
  return names.map((n) => n.slice('BERTH_'.length + prefix.length));
}

for (const [program, file, prefix, table, build] of [
  ['berth-exec', 'monitor/exec.c', 'EXEC_OPT_', protocol.EXEC_OPT, () => protocol.execArgv({ pid: 1, namespaces: ['pid', 'net'], cgroups: ['/c'], uid: 0, gid: 0, groups: [1], cwd: '/', env: ['A=1'], caps: [0], noNewPrivs: true, seccompFile: '/s', argv: ['true'] })],
  ['berth-proxy', 'proxy/proxy.c', 'PROXY_OPT_', protocol.PROXY_OPT, () => protocol.proxyArgv({ proto: 'tcp', hostIp: '0.0.0.0', hostPort: 1, containerIp: '10.0.0.2', containerPort: 2, readyFd: 3, udpIdleTimeoutS: 60 })],
] as const) {
  test(`${program}'s options: protocol.h, protocol.ts, the C getopt table and the argv the engine builds agree`, () => {
    const cOptions = [...defines].filter(([name]) => name.startsWith(prefix));
    assert.ok(cOptions.length >= 7, `protocol.h defines ${program}'s options`);
    for (const [name, value] of cOptions) assert.is((table as Record<string, string>)[name.slice(prefix.length)], JSON.parse(value), `${prefix}${name.slice(prefix.length)}`);
    assert.is(Object.keys(table).length, cOptions.length, `protocol.ts has no ${program} option protocol.h lacks`);
    assert.equal(longOptions(file, prefix).sort(), Object.keys(table).sort(), `${file} reads every option, through the macros`);
    const argv: string[] = build();
    const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
    const used = options.filter((a) => a.startsWith('--')).map((a) => a.slice(2));
    assert.equal([...new Set(used)].sort(), Object.values(table).sort(), `the engine's ${program} argv uses each option`);
  });
}

/** A printf format of protocol.h with sample values: %d -> 7, %s -> "x" (the first %s of a health entry is its separator). */
function sample(name: string): string {
  const format = JSON.parse(defines.get(name)!) as string;
  return format.replace(/%d/g, '7').replace(/%s/g, 'x');
}

test('the exit, health and restart files: the formats in protocol.h have exactly the fields protocol.ts reads', () => {
  assert.equal(Object.keys(JSON.parse(sample('EXIT_JSON'))), [...protocol.EXIT_FIELDS]);
  assert.equal(Object.keys(JSON.parse(sample('RESTART_JSON'))), [...protocol.RESTART_FIELDS]);
  const entry = sample('HEALTH_JSON_ENTRY').replace(/^x/, '');
  const health = JSON.parse(sample('HEALTH_JSON_HEAD') + entry + ',' + entry + sample('HEALTH_JSON_TAIL'));
  assert.equal(Object.keys(health), [...protocol.HEALTH_FIELDS]);
  assert.is(health.Log.length, 2);
  assert.equal(Object.keys(health.Log[0]), [...protocol.HEALTH_LOG_FIELDS]);
});

test('the monitor writes those files with protocol.h\'s formats, not copies of them', () => {
  const monitor = fs.readFileSync(path.join(PACKAGE_ROOT, 'native', 'monitor', 'monitor.c'), 'utf8');
  const health = fs.readFileSync(path.join(PACKAGE_ROOT, 'native', 'monitor', 'health.c'), 'utf8');
  for (const name of ['EXIT_JSON', 'RESTART_JSON']) assert.ok(monitor.includes(`BERTH_${name}`), `monitor.c uses BERTH_${name}`);
  for (const name of ['HEALTH_JSON_HEAD', 'HEALTH_JSON_ENTRY', 'HEALTH_JSON_TAIL']) assert.ok(health.includes(`BERTH_${name}`), `health.c uses BERTH_${name}`);
  for (const source of [monitor, health]) assert.not.match(source, /\\"(exitCode|FailingStreak|restarting)\\"/, 'no JSON field spelled out in C');
});

test('encodeSpec writes KEY\\0VALUE\\0 records and refuses NUL inside', () => {
  assert.equal(protocol.encodeSpec([['arg', 'echo'], ['arg', 'hi']]), Buffer.from('arg\0echo\0arg\0hi\0'));
  assert.throws(() => protocol.encodeSpec([['env', 'A=\0']]), /NUL/);
});

test.run();
