// A TCP port nobody listens on right now, on loopback: for the hub, the
// comparison scripts and the tests that start servers.  (Another process may
// still take it before it is used; callers that publish ports choose through
// port-allocator.ts, which binds to check.)
import net from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
