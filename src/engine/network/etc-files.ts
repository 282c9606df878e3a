// /etc/hosts, /etc/resolv.conf and /etc/hostname for a container, written in
// its state dir and bind-mounted over the image's (as Docker does), so the
// image stays untouched and `diff` does not show them.
import fs from 'node:fs';
import path from 'node:path';

export interface EtcFiles {
  readonly hosts: string;
  readonly resolvConf: string;
  readonly hostname: string;
}

const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** Nameservers a container can use: the host's, unless they are loopback (a local stub the container cannot reach). */
export function containerNameservers(hostResolvConf = '/etc/resolv.conf'): { nameservers: string[]; search: string[] } {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const parse = (text: string) => ({
    nameservers: [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!),
    search: [...text.matchAll(/^\s*search\s+(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/)),
  });
  const host = parse(read(hostResolvConf));
  const reachable = host.nameservers.filter((ns) => !/^127\.|^::1$/.test(ns));
  if (reachable.length) return { nameservers: reachable, search: host.search };
  // systemd-resolved keeps the real upstreams here.
  const upstream = parse(read('/run/systemd/resolve/resolv.conf')).nameservers.filter((ns) => !/^127\.|^::1$/.test(ns));
  return { nameservers: upstream.length ? upstream : FALLBACK_NAMESERVERS, search: host.search };
}

export function writeEtcFiles(dir: string, options: { hostname: string; name: string; address?: string }): EtcFiles {
  const files: EtcFiles = { hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf'), hostname: path.join(dir, 'hostname') };
  const names = [...new Set([options.hostname, options.name])].join(' ');
  const hosts = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...(options.address ? [`${options.address}\t${names}`] : [`127.0.1.1\t${names}`]),
  ];
  const { nameservers, search } = containerNameservers();
  const resolv = [...(search.length ? [`search ${search.join(' ')}`] : []), ...nameservers.map((ns) => `nameserver ${ns}`)];
  fs.writeFileSync(files.hosts, hosts.join('\n') + '\n');
  fs.writeFileSync(files.resolvConf, resolv.join('\n') + '\n');
  fs.writeFileSync(files.hostname, `${options.hostname}\n`);
  return files;
}
