// berth-monitor joins existing namespaces (spec `ns_path`) instead of creating
// them: a named netns the engine made with `ip netns add` (how container
// networking is set up before the container starts), another container's
// /proc/<pid>/ns/net (`--net container:<id>`), and its pid namespace.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KEY, SEP } from '../../../src/engine/runtime/protocol.js';
import { tempDir } from '../../_helpers.js';
import {
  cleanup, logText, specRecords, start, waitExit, type Container, type ContainerOptions,
} from './_monitor-helpers.js';

const ADDRESS = '10.123.0.1';
const WITHOUT_NET = ['pid', 'mount', 'uts', 'ipc', 'cgroup'];
const made: string[] = [];
let counter = 0;

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error}`);
}

/** A named netns whose lo is up and carries ADDRESS (only inside that namespace). */
function makeNetns(): string {
  const name = `berth-test-${process.pid}-${++counter}`;
  ip('netns', 'add', name);
  made.push(name);
  ip('-n', name, 'addr', 'add', `${ADDRESS}/32`, 'dev', 'lo');
  ip('-n', name, 'link', 'set', 'lo', 'up');
  return name;
}

function removeNetnses(): void {
  for (const name of made.splice(0)) spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
}

/** "net:[4026532000]", as readlink /proc/<pid>/ns/net shows it. */
function nsId(type: string, file: string): string {
  return `${type}:[${fs.statSync(file).ino}]`;
}

/** Starts a container whose spec has `extra` records added.  start() writes the
 * spec into a directory of its own; the files the records name are in `dir`. */
async function startWith(o: ContainerOptions, extra: Array<[string, string]>): Promise<Container> {
  const dir = tempDir('files-');
  const c = await start(o, [...specRecords(dir, o), ...extra]);
  return Object.assign(c, {
    socket: path.join(dir, 'attach.sock'), log: path.join(dir, 'log.json'),
    exit: path.join(dir, 'exit.json'), pidfile: path.join(dir, 'pid'),
  });
}

const nsPath = (type: string, file: string): [string, string] => [KEY.NAMESPACE_PATH, `${type}${SEP}${file}`];

const joining = suite('berth-monitor: ns_path joins an existing namespace');
joining.after.each(async () => {
  await cleanup();
  removeNetnses();
});

joining('a named netns: the container sees its address, its lo is up, and lo_up again does no harm', async () => {
  const name = makeNetns();
  const file = `/run/netns/${name}`;
  const c = await startWith(
    { args: ['sh', '-c', 'ip addr; readlink /proc/self/ns/net; ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok'], namespaces: WITHOUT_NET },
    [nsPath('net', file)],
  );
  assert.match(c.ready, /^ok \d+$/);
  const exit = await waitExit(c);
  const out = logText(c, 'stdout');
  assert.is(exit.exitCode, 0, logText(c));
  assert.ok(out.includes(`inet ${ADDRESS}/32`), out);
  assert.ok(out.includes(nsId('net', file)), `${out} vs ${nsId('net', file)}`);
  assert.match(out, /ping-ok/);
});

joining('without ns_path the container gets a fresh netns: not the host one, no address from another', async () => {
  const name = makeNetns();
  const c = await start({ args: ['sh', '-c', 'ip addr; readlink /proc/self/ns/net'] });
  const exit = await waitExit(c);
  const out = logText(c, 'stdout');
  assert.is(exit.exitCode, 0, logText(c));
  assert.not.ok(out.includes(ADDRESS), out);
  assert.not.ok(out.includes(nsId('net', `/run/netns/${name}`)), out);
  assert.not.ok(out.includes(nsId('net', '/proc/self/ns/net')), out);
  assert.match(out, /net:\[\d+\]/);
});

joining("another container's /proc/<pid>/ns/net and ns/pid (--net container:, --pid container:)", async () => {
  const first = await start({ args: ['sleep', '100'] });
  assert.match(first.ready, /^ok \d+$/);
  const netFile = `/proc/${first.pid}/ns/net`;
  const netId = nsId('net', netFile);
  const second = await startWith(
    { args: ['sh', '-c', 'readlink /proc/self/ns/net; ps -o pid,comm'], namespaces: ['mount', 'uts', 'ipc', 'cgroup'] },
    [nsPath('net', netFile), nsPath('pid', `/proc/${first.pid}/ns/pid`)],
  );
  const exit = await waitExit(second);
  const out = logText(second, 'stdout');
  assert.is(exit.exitCode, 0, logText(second));
  assert.ok(out.includes(netId), `${out} vs ${netId}`);
  assert.match(out, /^\s*1\s+sleep$/m, 'the first container is pid 1 in the joined pid namespace');
});

joining('errors name the syscall and the path: a missing file, a file of the wrong type', async () => {
  const missing = `/run/netns/berth-test-missing-${process.pid}`;
  const a = await startWith({ args: ['true'], namespaces: WITHOUT_NET }, [nsPath('net', missing)]);
  assert.is(a.ready, `error open \`${missing}\`: No such file or directory`);
  const b = await startWith({ args: ['true'], namespaces: WITHOUT_NET }, [nsPath('net', '/proc/self/ns/uts')]);
  assert.is(b.ready, 'error setns `/proc/self/ns/uts`: Invalid argument');
  const c = await startWith({ args: ['true'], namespaces: WITHOUT_NET }, [nsPath('pid', '/proc/self/ns/net')]);
  assert.is(c.ready, 'error setns `/proc/self/ns/net`: Invalid argument');
  const d = await startWith({ args: ['true'], namespaces: WITHOUT_NET }, [[KEY.NAMESPACE_PATH, 'bogus']]);
  assert.match(d.ready, /^error spec `ns_path`: expected 2 fields/);
});

joining.run();
