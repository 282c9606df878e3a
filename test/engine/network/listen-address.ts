// The one listen-address parser (hub serve, registry start/stop, the registry check).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listenFlag, listenUrl, parseListen } from '../../../src/engine/network/listen-address.js';
import { validateCheck } from '../../../src/lessons/checks/index.js';

test('HOST:PORT, [IPv6]:PORT, and a bare PORT on 127.0.0.1', () => {
  assert.equal(parseListen('0.0.0.0:5000'), { host: '0.0.0.0', port: 5000 });
  assert.equal(parseListen('[::1]:5000'), { host: '::1', port: 5000 });
  assert.equal(parseListen('5151'), { host: '127.0.0.1', port: 5151 });
  assert.equal(parseListen(':5151'), { host: '127.0.0.1', port: 5151 });
  assert.equal(parseListen('localhost:80'), { host: 'localhost', port: 80 });
});

test('port 0 is a free port chosen at start, as Docker\'s ephemeral host port; out of range or malformed is refused', () => {
  assert.equal(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.equal(listenFlag('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  for (const bad of ['localhost', '127.0.0.1:65536', '::1:5000', '127.0.0.1:', 'a:b', '[::1]']) assert.is(parseListen(bad), undefined, bad);
  assert.throws(() => listenFlag('127.0.0.1:99999'), /invalid --listen "127.0.0.1:99999": use HOST:PORT, e.g. 127.0.0.1:5000/);
});

test('the URL brackets an IPv6 host', () => {
  assert.is(listenUrl({ host: '::1', port: 5000 }), 'http://[::1]:5000');
  assert.is(listenUrl({ host: '127.0.0.1', port: 5000 }), 'http://127.0.0.1:5000');
});

test('the registry check takes the same addresses, but needs a real port', () => {
  assert.equal(validateCheck({ kind: 'registry', args: { listen: '[::1]:5000' } }), []);
  assert.match(validateCheck({ kind: 'registry', args: { listen: 'localhost' } }).join(), /should be HOST:PORT/);
  assert.match(validateCheck({ kind: 'registry', args: { listen: '127.0.0.1:0' } }).join(), /needs the port the registry listens on/);
});

test.run();
