// Attaching to a container: a connection to its monitor's socket.  Without a
// tty the monitor frames output as Docker does ([stream,0,0,0,size BE] +
// bytes); with one it sends the raw terminal stream.
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../errors.js';
import { DETACH_1, DETACH_2, STREAM_STDERR } from '../runtime/protocol.js';

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

/** Writes to `out`, pausing `source` until `out` drains (so a slow reader slows the monitor, which slows the container). */
function forward(source: Readable, out: Writable, data: Buffer): void {
  if (!out.write(data) && !source.isPaused()) {
    source.pause();
    out.once('drain', () => source.resume());
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
      forward(socket, buffer[0] === STREAM_STDERR ? stderr : stdout, buffer.subarray(8, 8 + size));
      buffer = buffer.subarray(8 + size);
    }
  });
}

export interface PumpResult {
  /** we sent the detach keys (ctrl-p ctrl-q): the container goes on running */
  readonly detached: boolean;
}

/** Resolves once everything written to `out` so far has been handed to the OS. */
function flushed(out: Writable): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    out.once('drain', () => resolve());
    out.once('error', () => resolve());
    out.once('close', () => resolve());
  });
}

/**
 * Streams a connected socket to/from the given streams; resolves when the
 * monitor closes it (the container exited, or we detached) and what was read
 * has been written out.  The end of the stream is not an exit code: the
 * caller reads that from the exit file.
 */
export function pump(socket: net.Socket, streams: AttachStreams): Promise<PumpResult> {
  if (streams.tty) socket.on('data', (chunk: Buffer) => forward(socket, streams.stdout, chunk));
  else demultiplex(socket, streams.stdout, streams.stderr);
  let detached = false;
  let sawFirst = false;
  if (streams.stdin) {
    streams.stdin.on('data', (chunk: Buffer) => {
      for (const byte of chunk) {
        if (sawFirst && byte === DETACH_2) detached = true;
        sawFirst = byte === DETACH_1; // as the monitor's filter: ctrl-p ctrl-p ctrl-q detaches too
      }
      if (socket.writable) socket.write(chunk);
    });
    streams.stdin.once('end', () => socket.writable && socket.end());
  }
  // The socket is half-open (so our EOF on stdin can travel while output still
  // comes); the monitor's end of output is the end of the session.
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      void Promise.all([flushed(streams.stdout), flushed(streams.stderr)]).then(() => resolve({ detached }));
    };
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', finish);
  });
}
