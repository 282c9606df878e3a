// The real S3 server (Swift's s3api, src/bench/swift-s3.ts) for the tests
// that need one: started with its bucket, or the reason it could not be; and
// the test that stands in when it cannot run, failing in CI (a machine
// without Swift would hide every S3 failure) and skipped elsewhere.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSwiftS3, swiftS3Problem, type SwiftS3 } from '../src/bench/swift-s3.js';

export async function startSwiftForTest(dir: string, bucket: string): Promise<{ swift?: SwiftS3; reason?: string }> {
  const problem = swiftS3Problem();
  if (problem) return { reason: problem };
  let swift: SwiftS3 | undefined;
  try {
    swift = await startSwiftS3({ dir });
    await swift.createBucket(bucket);
    return { swift };
  } catch (error) {
    await swift?.stop();
    return { reason: `Swift with s3api did not start: ${(error as Error).message}` };
  }
}

/** Registers, in place of `what`, the failing (CI=true) or skipped test that says why Swift is not there. */
export function swiftMissing(test: Test, reason: string, what: string): void {
  console.log(reason);
  if (process.env.CI === 'true') test('Swift with s3api starts', () => assert.unreachable(reason));
  else test.skip(`${what} (Swift cannot run here)`, () => {});
}
