// Saved registry credentials, as `docker login` keeps them: one JSON file
// (mode 0600) under the user's config dir,
//
//   <config dir>/auth.json   (the config-dir setting: BERTH_CONFIG_DIR, default ~/.config/berth)
//   {"auths": {"127.0.0.1:5000": {"auth": "<base64 of user:password>"}}}
//
// keyed by registry host.  login() checks the credentials against the
// registry before saving them, so a typo is reported at login, not at the
// next push.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { invalid, isErrno } from '../errors.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

interface AuthFile {
  auths: Record<string, { auth?: string }>;
}

/** The auth.json of a config dir. */
export function authFile(configDir: string): string {
  return path.join(configDir, 'auth.json');
}

/**
 * The key credentials are saved under: "host[:port]" of a URL or of a bare
 * host, lowercase ("http://127.0.0.1:5000/" -> "127.0.0.1:5000").  Docker
 * Hub's several names are one: docker.io.
 */
export function registryHost(registry: string): string {
  const text = registry.trim();
  let host: string;
  try {
    host = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? new URL(text).host : new URL(`http://${text}`).host;
  } catch {
    throw invalid(`invalid registry address ${JSON.stringify(registry)}`);
  }
  host = host.toLowerCase();
  if (['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com', 'docker.io'].includes(host)) return 'docker.io';
  return host;
}

/** Saved credentials for a registry, or undefined. */
export function credentialsFor(configDir: string, registry: string): Credentials | undefined {
  const entry = readAuthFile(configDir).auths[registryHost(registry)];
  if (!entry?.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Saves (replacing) the credentials of one registry. */
export function saveCredentials(configDir: string, registry: string, credentials: Credentials): void {
  const file = readAuthFile(configDir);
  file.auths[registryHost(registry)] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
  writeAuthFile(configDir, file);
}

/** Forgets a registry's credentials; false when none were saved. */
export function removeCredentials(configDir: string, registry: string): boolean {
  const file = readAuthFile(configDir);
  const host = registryHost(registry);
  if (!(host in file.auths)) return false;
  delete file.auths[host];
  writeAuthFile(configDir, file);
  return true;
}

function readAuthFile(configDir: string): AuthFile {
  let text: string;
  try {
    text = fs.readFileSync(authFile(configDir), 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { auths: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<AuthFile>;
    return { ...parsed, auths: parsed.auths && typeof parsed.auths === 'object' ? parsed.auths : {} };
  } catch (error) {
    throw invalid(`${authFile(configDir)} is not valid JSON: fix or delete it, then log in again`, error);
  }
}

function writeAuthFile(configDir: string, file: AuthFile): void {
  const target = authFile(configDir);
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const temp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    fs.chmodSync(temp, 0o600);
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
