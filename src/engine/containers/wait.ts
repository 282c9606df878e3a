// Waiting for a container to exit without a daemon: the monitor closes every
// attach connection once it has written the exit file, so a connection's
// close is the event; polling covers the moments when no socket is there.
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BundleFiles } from '../runtime/driver.js';
import { monitorAlive } from './reconcile.js';

/** Resolves true once the container has exited (exit file written or monitor gone), false on timeout. */
export async function waitForExit(bundle: BundleFiles, monitorPid: number, timeoutMs = Infinity): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const done = () => fs.existsSync(bundle.exit) || !monitorAlive(monitorPid, bundle.dir);
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await Promise.race([socketClosed(bundle.socket), sleep(Math.min(left, 50))]);
  }
  return true;
}

/** Resolves when a connection to the attach socket closes (or cannot be made). Sends nothing. */
function socketClosed(socketPath: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('data', () => undefined); // discard output; we only wait for the close
    socket.unref();
  });
}
