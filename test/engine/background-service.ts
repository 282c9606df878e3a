// The background-service helper (hub, `registry start`): a pid file names one
// process by pid and start time, so a killed service is seen as gone and a pid
// now used by another process is neither trusted nor signalled.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRunning, runningService, startService, stopService } from '../../src/engine/background-service.js';
import { stopHub } from '../../src/engine/hub/service.js';
import { freePort } from '../../src/engine/network/free-port.js';
import { statePaths } from '../../src/engine/paths.js';
import { processAlive, processStartTime } from '../../src/engine/tmp-sweep.js';
import { eventually, rejects, tempDir } from '../_helpers.js';

const service = suite('background service');

/** A tiny HTTP service on `port`: what the hub and registry are to the helper. */
const SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function start(dir: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const pidFile = path.join(dir, 'svc.json');
  const record = await startService({
    pidFile,
    logFile: path.join(dir, 'svc.log'),
    command: [process.execPath, '-e', SERVER, String(port)],
    env: process.env,
    extra: { url },
    ready: () => answers(url),
    failure: (tail) => `did not start: ${tail}`,
  });
  return { pidFile, record, url };
}

/** Another live process, not the service. */
function bystander(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await closed;
}

service('start writes pid and start time, the service answers, stop ends it and removes the file', async () => {
  const dir = tempDir('svc-');
  const { pidFile, record, url } = await start(dir);
  assert.ok(await answers(url), 'the service answers once start returns');
  const written = JSON.parse(fs.readFileSync(pidFile, 'utf8'));
  assert.equal(written, { url, pid: record.pid, startTime: processStartTime(record.pid) });
  assert.equal(runningService(pidFile), written);
  assert.equal(await stopService(pidFile), written);
  assert.not.ok(fs.existsSync(pidFile), 'pid file removed');
  await eventually(() => !processAlive(record.pid), 5000, 'the service to exit');
  assert.is(await stopService(pidFile), undefined, 'a second stop finds nothing');
});

service('a killed service is gone: not running, stop signals nothing and removes its file', async () => {
  const dir = tempDir('svc-');
  const { pidFile, record } = await start(dir);
  process.kill(record.pid, 'SIGKILL');
  await eventually(() => !isRunning(record), 5000, 'the service to die');
  assert.is(runningService(pidFile), undefined);
  assert.is(await stopService(pidFile), undefined);
  assert.not.ok(fs.existsSync(pidFile));
});

service('a stale pid file whose pid is now another live process: not taken for the service, and that process is not signalled', async () => {
  const dir = tempDir('svc-');
  const other = bystander();
  try {
    await eventually(() => processStartTime(other.pid!), 5000, 'the bystander to start');
    const pidFile = path.join(dir, 'svc.json');
    // the pid was the service's once; the service died and the pid went to `other` (it has another start time)
    fs.writeFileSync(pidFile, JSON.stringify({ pid: other.pid, startTime: '1', url: 'http://127.0.0.1:1' }));
    assert.is(runningService(pidFile), undefined);
    assert.is(await stopService(pidFile), undefined);
    assert.ok(processAlive(other.pid!) && other.exitCode === null && other.signalCode === null, 'the other process still runs');
    // a pid file of an older berth (no start time) is not trusted either
    fs.writeFileSync(pidFile, JSON.stringify({ pid: other.pid, url: 'http://127.0.0.1:1' }));
    assert.is(runningService(pidFile), undefined);
    // the hub's pid file goes through the same helper: `hub stop` leaves the other process alone
    const paths = statePaths(tempDir('root-'));
    fs.mkdirSync(path.join(paths.root, 'hub'), { recursive: true });
    fs.writeFileSync(path.join(paths.root, 'hub', 'hub.json'), JSON.stringify({ pid: other.pid, startTime: '1', url: 'http://127.0.0.1:1' }));
    assert.is(await stopHub(paths), false);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(other.exitCode === null && other.signalCode === null, 'stopHub did not signal it');
  } finally {
    await end(other);
  }
});

service('a service that exits before it is ready: start fails with its log, and leaves no pid file', async () => {
  const dir = tempDir('svc-');
  const pidFile = path.join(dir, 'svc.json');
  const error = await rejects(
    startService({
      pidFile,
      logFile: path.join(dir, 'svc.log'),
      command: [process.execPath, '-e', "console.error('port in use'); process.exit(3)"],
      env: process.env,
      extra: {},
      ready: async () => false,
      failure: (tail) => `did not start: ${tail}`,
    }),
    /did not start: port in use/,
  );
  assert.ok(error);
  assert.not.ok(fs.existsSync(pidFile));
});

service.run();
