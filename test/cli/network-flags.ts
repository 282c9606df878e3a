// Networking through the berth command: -p, -P, ps PORTS, port, inspect,
// the subnet clash, and a crash that the next command repairs.
import { execFileSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import { berth, ok, removeAll } from '../_berth.js';
import { eventually } from '../_helpers.js';

const network = suite('network flags');
network.after(removeAll);

network('-p host:container shows in ps PORTS and port; -p with a chosen port', async () => {
  const id = (await ok(['run', '-d', '-p', '127.0.0.1:0:80', '-p', '8:8/udp', '--name', 'ported', 'busybox', 'sleep', '60'])).trim();
  const ps = await ok(['ps', '--format', '{{.Ports}}']);
  assert.match(ps, /127\.0\.0\.1:\d+->80\/tcp/);
  assert.match(ps, /0\.0\.0\.0:8->8\/udp/);
  const port = await ok(['port', 'ported']);
  assert.match(port, /^80\/tcp -> 127\.0\.0\.1:\d+$/m);
  assert.match(port, /^8\/udp -> 0\.0\.0\.0:8$/m);
  assert.match(await ok(['port', 'ported', '8/udp']), /^0\.0\.0\.0:8\n$/);
  assert.match(await ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id]), /^\d+\.\d+\.\d+\.\d+\n$/);
  await ok(['rm', '-f', id]);
});

network('a subnet that clashes with a host route: the error names both, nothing is made', async () => {
  // A host route of this test's own (a bridge link of its own), not whatever route the
  // machine has first: that may be another berth's bridge, a different error.
  const link = `bnf${process.pid % 100000}`;
  const route = `10.251.${process.pid % 250}.0/24`;
  execFileSync('ip', ['link', 'add', link, 'type', 'bridge']);
  try {
    execFileSync('ip', ['addr', 'add', route.replace('.0/24', '.1/24'), 'dev', link]);
    execFileSync('ip', ['link', 'set', link, 'up']);
    const result = await berth(['run', '--rm', 'busybox', 'true'], { env: { BERTH_SUBNET: route } });
    assert.is(result.code, 125, result.stderr);
    assert.match(result.stderr, new RegExp(`subnet ${route.replace(/[./]/g, '\\$&')} clashes with the host route ${route.replace(/[./]/g, '\\$&')}`));
    assert.not.match(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`${process.env.BERTH_BRIDGE}:`));
  } finally {
    execFileSync('ip', ['link', 'del', link]);
  }
});

network('kill -9 of a bridged container\'s monitor: the next command removes its netns, veth and rules', async () => {
  const id = (await ok(['run', '-d', '-p', '127.0.0.1:0:80', 'busybox', 'sleep', '60'])).trim();
  const monitorPid = Number((await ok(['inspect', '-f', '{{.State.Pid}}', id])).trim());
  assert.ok(monitorPid > 0);
  // The monitor is the parent of the container's pid 1.
  const parent = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(monitorPid)], { encoding: 'utf8' }).trim());
  process.kill(parent, 'SIGKILL');
  await eventually(async () => /Exited \(137\)/.test(await ok(['ps', '-a'])), 10_000, 'the container to show as exited');
  const bridge = process.env.BERTH_BRIDGE!;
  assert.not.match(execFileSync('iptables-save', { encoding: 'utf8' }), new RegExp(bridge.toUpperCase()));
  assert.not.match(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`${bridge}|berth${id.slice(0, 10)}`));
  await ok(['rm', id]);
});

network.run();
