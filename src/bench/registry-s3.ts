// The S3 server the registry bench puts both registries on: OpenStack Swift
// with its s3api middleware (swift-s3.ts starts it on loopback, its storage
// under the bench's work directory), one bucket both use under their own
// prefixes.  Stopped at the bench's cleanup.
import fs from 'node:fs';
import type { BenchContext } from './context.js';
import { startSwiftS3, swiftS3Problem, type SwiftS3 } from './swift-s3.js';
import type { BenchStorage } from './registry-servers.js';

/** The S3 storage for the bench, or why there is none (the reason goes in the report). */
export async function startS3ForBench(ctx: BenchContext, dir: string): Promise<BenchStorage | string> {
  const problem = swiftS3Problem();
  if (problem) return problem;
  fs.mkdirSync(dir, { recursive: true });
  let s3: SwiftS3;
  try {
    s3 = await startSwiftS3({ dir });
  } catch (error) {
    return `the Swift S3 server did not start: ${error instanceof Error ? error.message : String(error)}`;
  }
  ctx.onCleanup(() => s3.stop());
  const bucket = `bench-registry-${process.pid}`;
  await s3.createBucket(bucket);
  return { kind: 's3', endpoint: s3.endpoint, bucket, region: s3.region, accessKey: s3.accessKeyId, secretKey: s3.secretAccessKey };
}
