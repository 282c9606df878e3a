// The registry's storage on S3: the semantics (driver-storage.ts) over the S3
// driver, under a key prefix of one bucket, so several registries (hub
// processes on several machines) can share a store that is already
// distributed.  The bucket must exist; berth makes nothing outside its prefix.
import { DriverStorage } from './driver-storage.js';
import { S3Driver, type S3DriverOptions } from './drivers/s3.js';
import { blobPath } from './layout.js';

export class S3Storage extends DriverStorage {
  declare readonly driver: S3Driver;

  constructor(readonly options: S3DriverOptions) {
    super(new S3Driver(options));
  }

  /** With redirect=true, a presigned GET of the blob's object (20 minutes), as distribution's S3 driver gives. */
  async blobRedirect(_repository: string, digest: string): Promise<string | undefined> {
    return this.driver.redirect ? this.driver.urlFor(blobPath(digest)) : undefined;
  }
}
