// `login` and `logout`: credentials are checked against the registry (GET /v2/
// through the same authentication flow as a pull) before they are saved.
import { registryHost, removeCredentials, saveCredentials, type Credentials } from '../credentials.js';
import { RegistrySession } from './session.js';

export interface LoginResult {
  /** the key the credentials were saved under, e.g. "127.0.0.1:5000" */
  readonly host: string;
  /** "Login Succeeded" */
  readonly status: string;
}

/**
 * The URL to speak to for a registry written as a host ("127.0.0.1:5000") or
 * a URL: plain HTTP for loopback hosts (as Docker does), HTTPS otherwise.
 */
export function registryBaseUrl(registry: string): string {
  if (/^https?:\/\//i.test(registry)) return registry.replace(/\/+$/, '');
  if (registryHost(registry) === 'docker.io') return 'https://registry-1.docker.io';
  const hostname = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname);
  return `${loopback ? 'http' : 'https'}://${registry}`;
}

/** Verifies the credentials against the registry, then saves them (0600) in the config dir's auth.json. */
export async function login(registry: string, username: string, password: string, options: { configDir: string; baseUrl?: string; signal?: AbortSignal }): Promise<LoginResult> {
  const credentials: Credentials = { username, password };
  const session = new RegistrySession(options.baseUrl ?? registryBaseUrl(registry), { credentials });
  await session.ping(options.signal);
  const host = registryHost(registry);
  saveCredentials(options.configDir, host, credentials);
  RegistrySession.forget(host);
  return { host, status: 'Login Succeeded' };
}

/** Forgets the saved credentials; false when there were none. */
export function logout(registry: string, configDir: string): boolean {
  const host = registryHost(registry);
  RegistrySession.forget(host);
  return removeCredentials(configDir, host);
}
