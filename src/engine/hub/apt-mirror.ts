// Which Debian mirror debootstrap should use: the one this machine's apt
// already uses for the suite (a classroom's local mirror or proxy keeps
// working offline), else deb.debian.org.
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/**
 * The first `deb` source for `suite` in sources.list, sources.list.d/*.list
 * and sources.list.d/*.sources (deb822), or DEFAULT_MIRROR.
 */
export function hostMirror(suite: string, aptDir = '/etc/apt'): string {
  for (const file of sourceFiles(aptDir)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const uri = file.endsWith('.sources') ? fromDeb822(text, suite) : fromOneLine(text, suite);
    if (uri) return uri.replace(/\/+$/, '');
  }
  return DEFAULT_MIRROR;
}

function sourceFiles(aptDir: string): string[] {
  const dir = path.join(aptDir, 'sources.list.d');
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).sort();
  } catch { /* no sources.list.d */ }
  return [path.join(aptDir, 'sources.list'), ...names.filter((n) => n.endsWith('.list') || n.endsWith('.sources')).map((n) => path.join(dir, n))];
}

const usable = (uri: string) => /^(https?|file):/.test(uri);

/** `deb [options] uri suite component...` lines. */
function fromOneLine(text: string, suite: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim().split(/\s+/);
    if (line[0] === 'deb' && line[2] === suite && line[1] && usable(line[1])) return line[1];
  }
  return undefined;
}

/** Stanzas of `Types: deb`, `URIs: ...`, `Suites: ...`, separated by blank lines. */
function fromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    const types = (fields.get('types') ?? '').split(/\s+/);
    const suites = (fields.get('suites') ?? '').split(/\s+/);
    const uri = (fields.get('uris') ?? '').split(/\s+/).find(usable);
    if (types.includes('deb') && suites.includes(suite) && uri) return uri;
  }
  return undefined;
}
