// Starts Debian's docker-registry (the CNCF distribution registry) on
// 127.0.0.1 with a temp config and storage under the test's state root, for
// the client's interop tests; optional htpasswd auth.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../_helpers.js';
import { freePort } from '../../../src/engine/network/free-port.js';

export { freePort };

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export interface Distribution {
  /** e.g. http://127.0.0.1:40123 */
  readonly baseUrl: string;
  /** e.g. 127.0.0.1:40123 */
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startDistribution(options: { htpasswd?: { user: string; password: string } } = {}): Promise<Distribution> {
  const dir = tempDir('distribution-');
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (options.htpasswd) {
    const file = path.join(dir, 'htpasswd');
    fs.writeFileSync(file, execFileSync('htpasswd', ['-Bbn', options.htpasswd.user, options.htpasswd.password], { encoding: 'utf8' }));
    lines.push('auth:', '  htpasswd:', '    realm: basic-realm', `    path: ${file}`);
  }
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, lines.join('\n') + '\n');
  const child: ChildProcess = spawn(DOCKER_REGISTRY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  process.once('exit', () => { try { child.kill('SIGKILL'); } catch { /* gone */ } });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${baseUrl}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error(`docker-registry did not answer on ${baseUrl}: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { baseUrl, host: `127.0.0.1:${port}`, port, dir, stop };
}
