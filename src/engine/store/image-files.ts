// Whether a path exists in an image, read from its layer tars (top layer
// first, honouring whiteouts) without creating a container: a read-only
// helper for the lab's checks (Engine.imageHasPath), independent of the storage driver.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { ImageStore } from './images.js';

type LayerVerdict = 'present' | 'deleted' | 'unknown';

/** true when `file` (absolute, e.g. "/etc/passwd") exists in image `name`. */
export async function imageHasPath(store: ImageStore, name: string, file: string): Promise<boolean> {
  const target = path.posix.normalize(file).replace(/^\/+/, '').replace(/\/+$/, '');
  for (const layer of [...store.layers(name)].reverse()) {
    const verdict = await scanLayer(fs.createReadStream(store.blobs.path(layer.digest)), target);
    if (verdict === 'present') return true;
    if (verdict === 'deleted') return false;
  }
  return false;
}

/** What one layer says about `target`: it adds it, it removes it (or hides its directory), or nothing. */
export async function scanLayer(stream: Readable, target: string): Promise<LayerVerdict> {
  const ancestors = target.split('/').map((_, i, parts) => parts.slice(0, i).join('/'));
  let present = false;
  let deleted = false;
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const name = header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const dir = path.posix.dirname(name) === '.' ? '' : path.posix.dirname(name);
    const base = path.posix.basename(name);
    if (name === target) present = true;
    else if (base.startsWith('.wh.')) {
      const hidden = base === '.wh..wh..opq' ? dir : (dir ? `${dir}/` : '') + base.slice(4);
      // an opaque directory hides the lower layers' copy; a whiteout of the path or of a parent deletes it
      if (hidden === target || (base !== '.wh..wh..opq' && ancestors.includes(hidden)) || (base === '.wh..wh..opq' && ancestors.includes(hidden))) deleted = true;
    }
    body.on('end', next);
    body.resume();
  });
  const head = await peek(stream);
  const source = head.stream;
  await pipeline(head.gzip ? source.pipe(zlib.createGunzip()) : source, extract as unknown as Writable);
  return present ? 'present' : deleted ? 'deleted' : 'unknown';
}

async function peek(stream: Readable): Promise<{ stream: Readable; gzip: boolean }> {
  const first: Buffer = await new Promise((resolve, reject) => {
    const onReadable = () => {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      stream.off('readable', onReadable);
      resolve(chunk);
    };
    stream.on('readable', onReadable);
    stream.once('error', reject);
    stream.once('end', () => resolve(Buffer.alloc(0)));
  });
  stream.unshift(first);
  return { stream, gzip: first[0] === 0x1f && first[1] === 0x8b };
}
