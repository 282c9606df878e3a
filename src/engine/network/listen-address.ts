// The one parser of a listen address ("--listen" of `hub serve` and
// `registry start`, a lesson check's `listen`).  As Docker's -p host side:
// "HOST:PORT", "[IPv6]:PORT", or a bare "PORT"; port 0 means "any free port"
// (the kernel's choice, as Docker's ephemeral host port); a caller that needs
// a fixed address (a check) refuses it itself.  Without a host berth
// listens on 127.0.0.1, not on every interface: a lab's services stay on the
// machine unless asked.
import { invalid } from '../errors.js';

export interface ListenAddress {
  readonly host: string;
  /** 0: a free port, chosen when the service starts */
  readonly port: number;
}

export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** The address, or undefined when `text` is not one. */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) return undefined;
  return { host: match[1] ?? (match[2] || DEFAULT_LISTEN_HOST), port };
}

/** parseListen for a flag: a usage error when it is not an address. */
export function listenFlag(text: string, flag = '--listen'): ListenAddress {
  const parsed = parseListen(text);
  if (!parsed) throw invalid(`invalid ${flag} "${text}": use HOST:PORT, e.g. 127.0.0.1:5000`);
  return parsed;
}

/** The URL of a listen address, with IPv6 hosts in brackets. */
export function listenUrl({ host, port }: ListenAddress): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
