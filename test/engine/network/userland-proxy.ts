// Published ports through the userland proxy (the path the kernel's NAT
// cannot serve, and the one `berth bench` compares NAT with).
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import * as assert from 'uvu/assert';
import type { Engine } from '../../../src/engine/engine.js';
import { engineSuite } from '../../_engine.js';
import { get } from '../../_http.js';

const { test, engine: opened } = engineSuite('userland proxy', { portDriver: 'proxy' });
let engine: Engine;
test.before(() => {
  engine = opened();
});

const proxies = () => execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('berth-proxy'));

test('a published port answers through berth-proxy, with no DNAT rule, and the proxy goes with the container', async () => {
  const c = await engine.create({
    image: 'busybox',
    cmd: ['sh', '-c', 'mkdir -p /www && echo proxied > /www/index.html && exec httpd -f -p 80 -h /www'],
    ports: [{ protocol: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 0 }],
  });
  const running = await engine.start(c.id);
  assert.is(running.network?.portDriver, 'proxy');
  const port = running.network!.ports[0]!.hostPort;
  assert.ok(proxies().some((l) => l.includes(`--host-port ${port}`)), 'a proxy listens for the port');
  let body = '';
  for (let attempt = 0; attempt < 40 && body === ''; attempt++) {
    body = await get(`http://127.0.0.1:${port}/`).catch(async () => {
      await new Promise((r) => setTimeout(r, 50));
      return '';
    });
  }
  assert.is(body, 'proxied\n');
  assert.not.match(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }), new RegExp(`--dport ${port} `), 'no kernel rule serves it');
  await engine.remove(c.id, { force: true });
  for (let attempt = 0; attempt < 40 && proxies().some((l) => l.includes(`--host-port ${port}`)); attempt++) await new Promise((r) => setTimeout(r, 25));
  assert.not.ok(proxies().some((l) => l.includes(`--host-port ${port}`)), 'the proxy stopped');
});

test.run();
