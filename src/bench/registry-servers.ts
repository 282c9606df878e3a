// The two registries the registry bench compares, started side by side on
// loopback over the same kind of storage: berth's (`berth registry serve`)
// and Docker's distribution (Debian's `docker-registry`, 2.8), each on a
// fresh directory, or both on one S3 server (each under its own prefix).
// Both log their requests to /dev/null, so neither pays for a terminal.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context.js';
import { waitForRegistry } from './registry-load.js';
import { PACKAGE_ROOT, freePort } from '../engine/index.js';

export type BenchStorage =
  | { readonly kind: 'fs' }
  | { readonly kind: 's3'; readonly endpoint: string; readonly accessKey: string; readonly secretKey: string; readonly bucket: string; readonly region: string };

export interface BenchRegistry {
  readonly name: 'berth' | 'distribution';
  /** host:port, as skopeo's docker:// references spell it */
  readonly address: string;
  stop(): Promise<void>;
}

export const DISTRIBUTION = '/usr/bin/docker-registry';

/** distribution's config.yml for `storage` rooted at `dir` (filesystem) or `prefix` (S3). */
function distributionConfig(storage: BenchStorage, dir: string, prefix: string, port: number): string {
  const backend = storage.kind === 'fs'
    ? `  filesystem:\n    rootdirectory: ${dir}\n`
    // distribution 2.8's s3aws driver: a regionendpoint turns on path-style addressing.
    : `  s3:\n    accesskey: ${storage.accessKey}\n    secretkey: ${storage.secretKey}\n    region: ${storage.region}\n    regionendpoint: ${storage.endpoint}\n    bucket: ${storage.bucket}\n    rootdirectory: /${prefix}\n    secure: ${storage.endpoint.startsWith('https:')}\n    v4auth: true\n`;
  return `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\nstorage:\n${backend}  redirect:\n    disable: true\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`;
}

/** Starts berth's registry and distribution on `storage`, under `work`; both answer before this returns. */
export async function startRegistries(ctx: BenchContext, work: string, storage: BenchStorage, tag: string): Promise<BenchRegistry[]> {
  fs.mkdirSync(work, { recursive: true });
  const started: BenchRegistry[] = [];
  try {
    const berthPort = await freePort();
    const berthStorage = storage.kind === 'fs'
      ? path.join(work, 'berth-storage')
      : `s3://${storage.bucket}/berth-${tag}?endpoint=${encodeURIComponent(storage.endpoint)}&region=${storage.region}`;
    const credentials = storage.kind === 's3' ? [`AWS_ACCESS_KEY_ID=${storage.accessKey}`, `AWS_SECRET_ACCESS_KEY=${storage.secretKey}`] : [];
    const berth = ctx.background('/usr/bin/env', [...credentials, process.execPath, '--', path.join(PACKAGE_ROOT, 'bin', 'berth.js'), 'registry', 'serve', '--port', String(berthPort), '--storage', berthStorage]);
    started.push({ name: 'berth', address: `127.0.0.1:${berthPort}`, stop: berth.stop });
    const distPort = await freePort();
    const config = path.join(work, 'distribution.yml');
    fs.writeFileSync(config, distributionConfig(storage, path.join(work, 'distribution-storage'), `distribution-${tag}`, distPort));
    // distribution 2.8's AWS SDK panics at start when AWS_CA_BUNDLE is set (as on
    // machines that point every client at the system's CAs); its S3 is plain HTTP on loopback.
    const distribution = ctx.background('/usr/bin/env', ['-u', 'AWS_CA_BUNDLE', DISTRIBUTION, 'serve', config]);
    started.push({ name: 'distribution', address: `127.0.0.1:${distPort}`, stop: distribution.stop });
    for (const r of started) await waitForRegistry(`http://${r.address}/v2/`, `${r.name}'s registry (${storage.kind})`);
    return started;
  } catch (error) {
    await Promise.all(started.map((r) => r.stop()));
    throw error;
  }
}
