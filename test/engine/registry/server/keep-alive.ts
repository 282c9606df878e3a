// Requests that arrive on a keep-alive connection while the previous
// response is still going out (a client that sends its next request as soon
// as it has the bytes it expects, or pipelines): each gets its own answer,
// errors included.  The OCI conformance suite's Go client met a 400 dropped
// this way (EOF) after a blob GET.
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pushBlob, serveRegistry, type TestRegistry } from '../_registry.js';

const test = suite<{ registry: TestRegistry }>('registry server: keep-alive connections', {} as { registry: TestRegistry });
test.before(async (context) => {
  context.registry = await serveRegistry({ memory: true });
});
test.after(async ({ registry }) => {
  await registry.close();
});

/** Writes `requests` on one connection in one go; resolves all it carried back once the server closed it. */
function pipelined(url: string, requests: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed connection makes node abort the requests still unanswered.
    // The last request says Connection: close, so the server closes when it has answered them all.
    const socket = net.connect(Number(port), hostname, () => socket.write(requests));
    const parts: Buffer[] = [];
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(parts).toString('latin1')));
  });
}

test('an error answered while a blob GET is still streaming on the connection is sent, after the blob', async ({ registry }) => {
  // Large enough that the GET's response is still being written when the PUT is handled.
  const digest = await pushBlob(registry.url, 'lab/keep', Buffer.alloc(4 * 1024 * 1024, 'a'));
  const body = '{"schemaVersion":2}';
  const answer = await pipelined(registry.url,
    `GET /v2/lab/keep/blobs/${digest} HTTP/1.1\r\nHost: x\r\n\r\n`
    + `PUT /v2/lab/keep/manifests/sha256:baddigest HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
  assert.equal(statuses, ['200', '400'], 'the blob, then the refusal, on the one connection');
  assert.match(answer.slice(answer.lastIndexOf('HTTP/1.1 ')), /"code":"DIGEST_INVALID"/);
});

test.run();
