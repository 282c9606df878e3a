// The registry bench's images: an OCI layout (what `skopeo copy oci:DIR:REF`
// reads) of N layers of random bytes, each a gzip member of a one-file tar.
// The gzip is level 0 (stored blocks): the layer is already "compressed", so
// skopeo pushes its bytes as they are instead of gzipping 100 MB of noise on
// the client, and the push measures the registry, not the client's deflate.
// Fresh random bytes every call: no registry, and no client blob cache (which
// would mount instead of upload), has seen them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import zlib from 'node:zlib';
import tarStream from 'tar-stream';
import { sha256 } from '../engine/index.js';

export interface BenchLayer {
  readonly digest: string;
  readonly size: number;
}

export interface BenchImage {
  /** the layout directory */
  readonly dir: string;
  /** `oci:<dir>:<ref>` for skopeo */
  readonly source: string;
  readonly layers: readonly BenchLayer[];
}

const MIB = 1024 * 1024;

/** A tar holding `bytes` random bytes in data.bin, gzipped, hashed as it is written to `blobs`. */
async function writeLayer(blobs: string, bytes: number): Promise<BenchLayer> {
  const temp = path.join(blobs, `.layer-${crypto.randomBytes(6).toString('hex')}`);
  const pack = tarStream.pack();
  const feeding = (async () => {
    const entry = pack.entry({ name: 'data.bin', size: bytes, mode: 0o644 });
    for (let left = bytes; left > 0; left -= MIB) {
      if (!entry.write(crypto.randomBytes(Math.min(left, MIB)))) await new Promise<void>((r) => entry.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => entry.end((error?: Error | null) => (error ? reject(error) : resolve())));
    pack.finalize();
  })();
  const hash = crypto.createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await Promise.all([feeding, pipeline(pack, zlib.createGzip({ level: 0 }), count, fs.createWriteStream(temp))]);
  const digest = `sha256:${hash.digest('hex')}`;
  fs.renameSync(temp, path.join(blobs, digest.slice(7)));
  return { digest, size };
}

/** An OCI layout at `dir` with `layers` layers of `mb` MB each, tagged `ref`. */
export async function makeBenchImage(dir: string, layers: number, mb: number, ref = 'payload'): Promise<BenchImage> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const written: BenchLayer[] = [];
  for (let i = 0; i < layers; i++) written.push(await writeLayer(blobs, Math.round(mb * MIB)));
  const put = (bytes: Buffer) => {
    const digest = sha256(bytes);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  // diff_ids are the uncompressed tars' digests; nothing in a push or a pull to a layout checks them, so the layers' stand in.
  const config = put(Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: {},
    rootfs: { type: 'layers', diff_ids: written.map((l) => l.digest) },
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: written.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
  })));
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': ref } }],
  }));
  return { dir, source: `oci:${dir}:${ref}`, layers: written };
}
