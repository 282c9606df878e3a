// Shared by the registry server tests: a registry on 127.0.0.1 over a chosen
// backend, raw HTTP for what fetch would tidy up (`..` in a path, a body cut
// off half way), and small pushers.
import crypto from 'node:crypto';
import http from 'node:http';
import { sha256 } from '../../../src/engine/store/digest.js';
import { MediaType } from '../../../src/engine/store/oci.js';
import { startRegistry, type RegistryOptions, type RunningRegistry } from '../../../src/engine/registry/server/index.js';
import { FilesystemStorage } from '../../../src/engine/registry/storage/filesystem.js';
import { MemoryStorage } from '../../../src/engine/registry/storage/memory.js';
import { openRegistryStorage } from '../../../src/engine/registry/storage/open.js';
import type { RegistryStorage } from '../../../src/engine/registry/storage/storage.js';
import { tempDir } from '../../_helpers.js';

export interface TestRegistry extends RunningRegistry {
  readonly storage: RegistryStorage;
  readonly logs: string[];
}

/**
 * When set (an s3://bucket/prefix?endpoint=... URL), every registry of
 * serveRegistry that is not given a storage gets a fresh prefix under it:
 * test/engine/registry/server-on-s3.ts runs the server tests so, on Swift.
 */
export const REGISTRY_STORAGE_ENV = 'BERTH_TEST_REGISTRY_STORAGE';

/** A fresh prefix under the storage URL of REGISTRY_STORAGE_ENV, or undefined when it is not set. */
function storageFromEnv(): RegistryStorage | undefined {
  const location = process.env[REGISTRY_STORAGE_ENV];
  if (!location) return undefined;
  const url = new URL(location);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/registry-${crypto.randomUUID().slice(0, 8)}`;
  return openRegistryStorage(url.href);
}

/** A registry on 127.0.0.1, any port; filesystem storage under the test's root unless `memory` (or REGISTRY_STORAGE_ENV says where). */
export async function serveRegistry(options: Partial<RegistryOptions> & { memory?: boolean } = {}): Promise<TestRegistry> {
  const storage = options.storage ?? storageFromEnv() ?? (options.memory ? new MemoryStorage() : new FilesystemStorage(tempDir('registry-')));
  const logs: string[] = [];
  const running = await startRegistry({ host: '127.0.0.1', port: 0, ...options, storage, log: (line) => logs.push(line) });
  return { ...running, storage, logs };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  json<T = any>(): T;
}

/** One request with the path sent exactly as written. */
export function raw(url: string, method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/`, { method, path, headers: options.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The `code` of an error response's first error. */
export async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { errors: Array<{ code: string }> };
  return body.errors[0]!.code;
}

/** Pushes a blob monolithically (POST ?digest=) and returns its digest. */
export async function pushBlob(url: string, name: string, data: Buffer | string, headers: Record<string, string> = {}): Promise<string> {
  const digest = sha256(data);
  const response = await fetch(`${url}/v2/${name}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: typeof data === 'string' ? data : new Uint8Array(data), headers: { 'Content-Type': 'application/octet-stream', ...headers } });
  if (response.status !== 201) throw new Error(`pushBlob: ${response.status} ${await response.text()}`);
  return digest;
}

/** An image manifest (OCI) over a config and layers already pushed. */
export function imageManifest(config: { digest: string; size: number }, layers: Array<{ digest: string; size: number }>, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, ...config },
    layers: layers.map((l) => ({ mediaType: MediaType.OciLayerGzip, ...l })),
    ...extra,
  }));
}

/** Pushes config + one layer + manifest under `tag`; returns the manifest digest. */
export async function pushImage(url: string, name: string, tag: string, options: { labels?: Record<string, string>; layer?: string; headers?: Record<string, string> } = {}): Promise<{ digest: string; manifest: Buffer; config: string; layer: string }> {
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: options.labels ?? {} }, rootfs: { type: 'layers', diff_ids: [] } }));
  const layerBytes = Buffer.from(options.layer ?? `layer of ${name}:${tag}`);
  const config = await pushBlob(url, name, configBytes, options.headers);
  const layer = await pushBlob(url, name, layerBytes, options.headers);
  const manifest = imageManifest({ digest: config, size: configBytes.length }, [{ digest: layer, size: layerBytes.length }]);
  const response = await fetch(`${url}/v2/${name}/manifests/${tag}`, { method: 'PUT', body: new Uint8Array(manifest), headers: { 'Content-Type': MediaType.OciManifest, ...options.headers } });
  if (response.status !== 201) throw new Error(`pushImage: ${response.status} ${await response.text()}`);
  return { digest: sha256(manifest), manifest, config, layer };
}
