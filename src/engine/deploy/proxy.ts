// The front door's side of a deploy: render the nginx site from the template
// the proxy image carries, copy it in (what `berth cp` does), check it
// (`nginx -t`) and reload gracefully (`nginx -s reload`, through exec).  A
// reload starts new workers with the new upstream and tells the old ones to
// stop accepting and finish what they serve; their pids tell when that is done.
import fs from 'node:fs';
import path from 'node:path';
import type { DeployTarget } from './target.js';
import { BerthError } from '../errors.js';

export const TEMPLATE_PATH = '/etc/nginx/berth/site.conf.template';
export const SITE_PATH = '/etc/nginx/conf.d/default.conf';

/** The site for `service` served by `servers` ("10.89.0.3:8000"). */
export function renderSite(template: string, service: string, servers: readonly string[]): string {
  if (!/^[a-zA-Z0-9_-]+$/.test(service)) throw new BerthError('invalid', `invalid service name "${service}": letters, digits, _ and -`);
  const lines = servers.map((s) => `    server ${s};`).join('\n');
  return template.replaceAll('{{SERVICE}}', service).replaceAll('{{SERVERS}}', lines);
}

/** Runs a command in a container, collecting its output; resolves its exit code. */
export async function execIn(engine: DeployTarget, ref: string, args: readonly string[], timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const { process: child } = await engine.exec(ref, { args, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  child.stdin?.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BerthError('internal', `exec ${args.join(' ')} in ${ref}: no exit after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** A process and its descendants from /proc (pid, parent, command line). */
interface Proc { pid: number; ppid: number; cmdline: string }

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      procs.push({ pid: Number(name), ppid, cmdline });
    } catch { /* exited meanwhile */ }
  }
  return procs;
}

function descendants(root: number, procs: readonly Proc[]): Proc[] {
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of procs) if (p.ppid === parent) {
      found.push(p);
      queue.push(p.pid);
    }
  }
  return found;
}

/** The nginx workers of the proxy (host pids), and whether each is finishing after a reload. */
export async function nginxWorkers(engine: DeployTarget, proxy: string): Promise<{ pid: number; shuttingDown: boolean }[]> {
  const record = await engine.inspect(proxy);
  if (record.state.status !== 'running') throw new BerthError('conflict', `the proxy ${proxy} is not running`);
  return descendants(record.state.pid, readProcs())
    .filter((p) => p.cmdline.startsWith('nginx: worker process'))
    .map((p) => ({ pid: p.pid, shuttingDown: p.cmdline.includes('shutting down') }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SwitchResult {
  /** the workers that served the old upstream: gone when they have finished their requests */
  readonly oldWorkers: number[];
}

/**
 * Points the proxy's upstream at `servers`: the new site copied in, checked,
 * and loaded with a graceful reload.  Resolves once no old worker accepts
 * any more (each is gone or "shutting down") and a new one runs: from then on
 * every new connection is served by the new upstream.
 */
export async function switchUpstream(engine: DeployTarget, proxy: string, service: string, servers: readonly string[], timeoutMs = 15_000): Promise<SwitchResult> {
  const work = fs.mkdtempSync(path.join(engine.paths.tmp, 'deploy-'));
  try {
    const templateFile = path.join(work, 'site.conf.template');
    try {
      await engine.copy(`${proxy}:${TEMPLATE_PATH}`, templateFile);
    } catch (error) {
      throw new BerthError('invalid', `the proxy ${proxy} has no ${TEMPLATE_PATH}: build it from berth's front door (lessons/files/deploy/proxy)`, { cause: error });
    }
    const siteFile = path.join(work, 'default.conf');
    fs.writeFileSync(siteFile, renderSite(fs.readFileSync(templateFile, 'utf8'), service, servers));
    await engine.copy(siteFile, `${proxy}:${SITE_PATH}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const check = await execIn(engine, proxy, ['nginx', '-t', '-q']);
  if (check.code !== 0) throw new BerthError('internal', `nginx -t in ${proxy} refused the new site: ${check.stderr.trim()}`);
  const before = (await nginxWorkers(engine, proxy)).filter((w) => !w.shuttingDown).map((w) => w.pid);
  const reload = await execIn(engine, proxy, ['nginx', '-s', 'reload']);
  if (reload.code !== 0) throw new BerthError('internal', `nginx -s reload in ${proxy} failed: ${reload.stderr.trim()}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const workers = await nginxWorkers(engine, proxy);
    const oldAccepting = workers.some((w) => before.includes(w.pid) && !w.shuttingDown);
    const fresh = workers.some((w) => !before.includes(w.pid) && !w.shuttingDown);
    if (!oldAccepting && fresh) return { oldWorkers: before };
    if (Date.now() > deadline) throw new BerthError('internal', `the proxy ${proxy} did not reload within ${timeoutMs} ms (workers: ${JSON.stringify(workers)})`);
    await sleep(20);
  }
}

/** Waits until the old workers have exited (their in-flight requests done); false on timeout. */
export async function waitWorkersGone(engine: DeployTarget, proxy: string, pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = (await nginxWorkers(engine, proxy)).filter((w) => pids.includes(w.pid));
    if (alive.length === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}
