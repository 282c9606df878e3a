// Binary-safe PAX records for tar-stream.  tar-stream reads and writes PAX
// values as UTF-8 strings, which mangles xattr values such as
// security.capability (raw bytes, often >= 0x80).  Docker (Go archive/tar) and
// GNU tar write SCHILY.xattr.<name> values as raw bytes, so we swap in an
// encoder/decoder that keeps those values as Buffers.  For every other key the
// behaviour is tar-stream's own (UTF-8 strings), so other users of tar-stream
// in the same process see no difference.  headers.js is private to
// tar-stream: the version is pinned and what the patch relies on is checked
// when this module loads.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const XATTR_PAX_PREFIX = 'SCHILY.xattr.';
/** Where decodePax collects GNU sparse 0.0's repeated GNU.sparse.offset / GNU.sparse.numbytes ("o,n,o,n"; see sparse.ts). */
export const SPARSE_00_MAP = 'berth.sparse.map-0.0';

type PaxValue = string | Buffer;
interface TarStreamHeaders {
  encodePax(opts: { name?: string; linkname?: string; pax?: Record<string, PaxValue> | null }): Buffer;
  decodePax(buf: Buffer): Record<string, PaxValue>;
  berthBinaryPax?: boolean;
}

/** One record: "<length> <key>=<value>\n", where length counts the whole record in bytes. */
function encodeRecord(key: string, value: PaxValue): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
  let digits = String(body.length).length;
  if (String(body.length + digits).length > digits) digits += 1;
  return Buffer.concat([Buffer.from(String(body.length + digits)), body]);
}

function encodePax(opts: { name?: string; linkname?: string; pax?: Record<string, PaxValue> | null }): Buffer {
  const records: Buffer[] = [];
  if (opts.name) records.push(encodeRecord('path', opts.name));
  if (opts.linkname) records.push(encodeRecord('linkpath', opts.linkname));
  for (const [key, value] of Object.entries(opts.pax ?? {})) records.push(encodeRecord(key, value));
  return Buffer.concat(records);
}

function decodePax(buf: Buffer): Record<string, PaxValue> {
  const result: Record<string, PaxValue> = {};
  let rest = buf;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const length = space > 0 ? parseInt(rest.subarray(0, space).toString('latin1'), 10) : NaN;
    if (!(length > space + 1) || length > rest.length) return result;
    const record = rest.subarray(space + 1, length - 1); // without the trailing "\n"
    const equals = record.indexOf(0x3d);
    if (equals === -1) return result;
    const key = record.subarray(0, equals).toString('utf8');
    const value = record.subarray(equals + 1);
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
      // GNU sparse 0.0 repeats these two keys, one pair per segment: keep them all, in order (sparse.ts)
      const previous = result[SPARSE_00_MAP];
      result[SPARSE_00_MAP] = previous === undefined ? value.toString('latin1') : `${String(previous)},${value.toString('latin1')}`;
    }
    result[key] = key.startsWith(XATTR_PAX_PREFIX) ? Buffer.from(value) : value.toString('utf8');
    rest = rest.subarray(length);
  }
  return result;
}

/** The tar-stream this patch was written against; package.json pins it exactly, as the patch replaces private functions. */
export const PATCHED_TAR_STREAM = '3.2.2';

/** What the patch needs of tar-stream (installed in `dir`), as problems; checked at load, so a new version fails loudly rather than mangle xattrs quietly. */
export function patchProblems(version: string, dir: string, headers: Partial<TarStreamHeaders>): string[] {
  const problems: string[] = [];
  if (version !== PATCHED_TAR_STREAM) problems.push(`it is ${version}, the patch is for ${PATCHED_TAR_STREAM}`);
  if (typeof headers.encodePax !== 'function' || typeof headers.decodePax !== 'function') problems.push('headers.js has no encodePax/decodePax');
  // pack.js and extract.js must look the functions up on the shared module object at each call
  for (const [file, call] of [['pack.js', 'headers.encodePax('], ['extract.js', 'headers.decodePax(']] as const) {
    let source = '';
    try {
      source = fs.readFileSync(path.join(dir, file), 'utf8');
    } catch {
      // missing: reported below
    }
    if (!source.includes(call)) problems.push(`${file} does not call ${call}…)`);
  }
  return problems;
}

function install(): void {
  const require = createRequire(import.meta.url);
  // tar-stream's package "exports" hides headers.js; requiring it by file path
  // gives the same module object that its pack.js and extract.js use.
  const dir = path.dirname(require.resolve('tar-stream'));
  const headers = require(path.join(dir, 'headers.js')) as TarStreamHeaders;
  if (headers.berthBinaryPax) return;
  const problems = patchProblems((require('tar-stream/package') as { version: string }).version, dir, headers);
  if (problems.length) throw new Error(`src/engine/archive/tar-pax.ts cannot patch tar-stream's PAX records: ${problems.join('; ')}. Re-check the patch against this tar-stream (test/engine/archive/apply.ts round-trips xattrs), then update PATCHED_TAR_STREAM and the pin in package.json.`);
  headers.encodePax = encodePax;
  headers.decodePax = decodePax;
  headers.berthBinaryPax = true;
}
install();

/** The xattrs a tar header carries (SCHILY.xattr.<name> PAX records). */
export function xattrsFromPax(pax: unknown): Map<string, Buffer> {
  const xattrs = new Map<string, Buffer>();
  if (!pax || typeof pax !== 'object') return xattrs;
  for (const [key, value] of Object.entries(pax as Record<string, PaxValue>)) {
    if (!key.startsWith(XATTR_PAX_PREFIX)) continue;
    xattrs.set(key.slice(XATTR_PAX_PREFIX.length), typeof value === 'string' ? Buffer.from(value) : value);
  }
  return xattrs;
}

/** PAX records for a header, or undefined when there are no xattrs (a plain ustar header then). */
export function paxFromXattrs(xattrs: Map<string, Buffer>): Record<string, Buffer> | undefined {
  if (xattrs.size === 0) return undefined;
  const pax: Record<string, Buffer> = {};
  for (const [name, value] of [...xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax[XATTR_PAX_PREFIX + name] = value;
  return pax;
}
