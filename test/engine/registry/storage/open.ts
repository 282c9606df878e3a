// openRegistryStorage: a storage URL (or a plain path) to the registry's
// storage over the right driver; an unknown scheme is refused by name.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BerthError } from '../../../../src/engine/errors.js';
import { FilesystemStorage } from '../../../../src/engine/registry/storage/filesystem.js';
import { MemoryStorage } from '../../../../src/engine/registry/storage/memory.js';
import { openRegistryStorage } from '../../../../src/engine/registry/storage/open.js';
import { sha256 } from '../../../../src/engine/store/digest.js';
import { tempDir } from '../../../_helpers.js';

async function pushBlob(storage: ReturnType<typeof openRegistryStorage>, data: string): Promise<string> {
  const upload = await storage.createUpload('lab/img');
  await storage.appendUpload('lab/img', upload.id, (async function* () { yield Buffer.from(data); })());
  return (await storage.commitUpload('lab/img', upload.id, sha256(data))).digest;
}

test('file:///dir and a plain path both open the directory tree, in the layout it always had', async () => {
  const dir = tempDir('registry-url-');
  const byUrl = openRegistryStorage(pathToFileURL(dir).href);
  assert.instance(byUrl, FilesystemStorage);
  assert.is(byUrl.description, `filesystem ${dir}`);
  const digest = await pushBlob(byUrl, 'through a URL');
  assert.ok(fs.existsSync(path.join(dir, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7))), 'the blob file');
  assert.ok(fs.existsSync(path.join(dir, 'repositories', 'lab', 'img', '_layers', 'sha256', digest.slice(7))), 'the link');
  const byPath = openRegistryStorage(path.relative(process.cwd(), dir));
  assert.is(byPath.description, `filesystem ${dir}`);
  assert.equal(await byPath.statBlob('lab/img', digest), { digest, size: 13 });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('memory:// is a fresh store in memory each time', async () => {
  const one = openRegistryStorage('memory://');
  assert.instance(one, MemoryStorage);
  await pushBlob(one, 'x');
  assert.equal(await one.listRepositories(), ['lab/img']);
  assert.equal(await openRegistryStorage('memory://').listRepositories(), []);
});

test('an unknown scheme, or a malformed URL, is refused with a message that names it', () => {
  const refused = (location: string, pattern: RegExp) => {
    try {
      openRegistryStorage(location);
    } catch (error) {
      assert.instance(error, BerthError);
      assert.is((error as BerthError).kind, 'invalid');
      assert.match((error as Error).message, pattern);
      return;
    }
    assert.unreachable(`${location} was accepted`);
  };
  refused('gcs://bucket/registry', /unsupported registry storage scheme "gcs:\/\/".*file:\/\/\/path.*memory:\/\/.*s3:\/\/bucket\/prefix/);
  refused('s3://Bad_Bucket/x', /invalid storage URL.*not an S3 bucket name/);
  refused('s3://bucket/x?endpoit=http://127.0.0.1:1', /unknown parameter "endpoit" \(known: endpoint, region/);
  refused('s3://bucket/x?chunksize=1024', /chunksize must be a number of bytes of at least 5242880/);
  refused('file://elsewhere/dir', /invalid storage URL "file:\/\/elsewhere\/dir"/);
  refused('memory://named', /memory:\/\/ takes nothing after it/);
});

test.run();
