// `berth info` tells which machine this is, in `docker info`'s fields: the
// cgroup version the kernel mounted, the storage driver, the runtimes, the
// kernel and the security defaults, as text, as JSON and through templates.
import fs from 'node:fs';
import os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ok, removeAll } from '../_berth.js';
import { osRelease } from '../../src/engine/info.js';

test.after(removeAll);

/** What the kernel mounted, looked up apart from the engine: a pure cgroup2 /sys/fs/cgroup has cgroup.controllers. */
const machineCgroupVersion = fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';

test('the text has Docker\'s sections and lines, with this machine\'s cgroup version and kernel', async () => {
  const text = await ok(['info']);
  assert.match(text, /^Client:\n Version: +0\.1\.0\n/);
  assert.match(text, /\n\nServer:\n Containers: \d+\n  Running: \d+\n  Paused: 0\n  Stopped: \d+\n Images: \d+\n/);
  assert.match(text, /\n Storage Driver: overlay\n/);
  assert.match(text, /\n Cgroup Driver: cgroupfs\n Cgroup Version: (\d)\n/);
  assert.is(/Cgroup Version: (\d)/.exec(text)?.[1], machineCgroupVersion);
  assert.match(text, /\n Runtimes: native runc\n Default Runtime: native\n/);
  assert.match(text, /\n Security Options:\n  seccomp\n   Profile: builtin\n  no-new-privileges\n  cgroupns\n/);
  assert.ok(text.includes(`\n Kernel Version: ${os.release()}\n`), text);
  assert.ok(text.includes(`\n Docker Root Dir: ${process.env.BERTH_ROOT}\n`), text);
  assert.match(text, /\n Total Memory: [\d.]+GiB\n/);
});

test('containers are counted by state', async () => {
  await ok(['create', '--name', 'info-created', 'busybox', 'true']);
  await ok(['run', '-d', '--name', 'info-running', '--net', 'none', 'busybox', 'sleep', '60']);
  const info = JSON.parse(await ok(['info', '--format', '{{json .}}']));
  assert.is(info.Containers, 2);
  assert.is(info.ContainersRunning, 1);
  assert.is(info.ContainersStopped, 1);
  assert.match(await ok(['info']), /\n Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n/);
});

test('{{json .}} and --format json print Docker\'s Info fields', async () => {
  const info = JSON.parse(await ok(['info', '--format', '{{json .}}']));
  assert.equal(JSON.parse(await ok(['info', '--format', 'json'])).KernelVersion, info.KernelVersion);
  assert.is(info.CgroupVersion, machineCgroupVersion);
  assert.is(info.CgroupDriver, 'cgroupfs');
  assert.is(info.Driver, 'overlay');
  assert.is(info.KernelVersion, os.release());
  assert.is(info.OperatingSystem, osRelease(fs.readFileSync('/etc/os-release', 'utf8')).PRETTY_NAME);
  assert.is(info.OSType, 'linux');
  assert.is(info.Architecture, os.machine());
  assert.is(info.NCPU, os.availableParallelism());
  assert.is(info.MemTotal, os.totalmem());
  assert.is(info.DockerRootDir, process.env.BERTH_ROOT);
  assert.equal(Object.keys(info.Runtimes), ['native', 'runc']);
  assert.is(info.DefaultRuntime, 'native');
  assert.equal(info.SecurityOptions, ['name=seccomp,profile=builtin', 'name=no-new-privileges', 'name=cgroupns']);
});

test('a Go template picks fields, as with docker info --format', async () => {
  assert.is(await ok(['info', '--format', '{{.CgroupVersion}} {{.Driver}}']), `${machineCgroupVersion} overlay\n`);
  assert.is(await ok(['info', '--format', '{{json .Runtimes.runc}}']), '{"path":"runc"}\n');
});

test('/etc/os-release is read as a shell-style KEY=value file', () => {
  const fields = osRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n# comment\n');
  assert.equal(fields, { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', VERSION_ID: '12', ID: 'debian' });
});

test.run();
