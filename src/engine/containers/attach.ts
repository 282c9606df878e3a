// Attaching to a container: a connection to its monitor's socket.  Without a
// tty the monitor frames output as Docker does ([stream,0,0,0,size BE] +
// bytes); with one it sends the raw terminal stream.
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../errors.js';
import { STREAM_STDERR } from '../runtime/protocol.js';

export interface AttachStreams {
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly tty: boolean;
}

/** Connects to a monitor's attach socket, retrying briefly while it is being created. */
export async function connectAttach(socketPath: string, timeoutMs = 5000): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ path: socketPath, allowHalfOpen: true });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw new BerthError('conflict', `cannot attach: the container is not running (${(error as Error).message})`);
      await sleep(10);
    }
  }
}

/** Splits the framed stream into stdout and stderr. */
export function demultiplex(socket: Readable, stdout: Writable, stderr: Writable): void {
  let buffer: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    while (buffer.length >= 8) {
      const size = buffer.readUInt32BE(4);
      if (buffer.length < 8 + size) break;
      (buffer[0] === STREAM_STDERR ? stderr : stdout).write(buffer.subarray(8, 8 + size));
      buffer = buffer.subarray(8 + size);
    }
  });
}

/** Streams a connected socket to/from the given streams; resolves when the monitor closes it (exit or detach). */
export function pump(socket: net.Socket, streams: AttachStreams): Promise<void> {
  if (streams.tty) socket.on('data', (chunk: Buffer) => streams.stdout.write(chunk));
  else demultiplex(socket, streams.stdout, streams.stderr);
  if (streams.stdin) {
    streams.stdin.on('data', (chunk: Buffer) => socket.writable && socket.write(chunk));
    streams.stdin.once('end', () => socket.writable && socket.end());
  }
  // The socket is half-open (so our EOF on stdin can travel while output still
  // comes); the monitor's end of output is the end of the session.
  return new Promise((resolve) => {
    socket.once('end', () => {
      socket.destroy();
      resolve();
    });
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
}
