// The S3 client the S3 driver speaks through (the AWS SDK v3: it signs,
// retries and parses; nothing here does SigV4), with the few settings that
// make it work against S3-compatible servers as well as AWS, and the error
// words the driver's callers read.
import crypto from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { StorageDriverError } from '../driver.js';

export interface S3Location {
  readonly bucket: string;
  /** key prefix without slashes at either end ('' for the bucket's top) */
  readonly prefix: string;
  /** e.g. http://127.0.0.1:9000; AWS's own endpoint for the region when absent */
  readonly endpoint?: string;
  readonly region: string;
  /** bucket in the path (http://host/bucket/key), as most S3-compatible servers want */
  readonly forcePathStyle: boolean;
  /** for tests; otherwise the SDK's default chain (AWS_ACCESS_KEY_ID..., AWS_PROFILE, ~/.aws/credentials, ...) */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

// (The SDK's Node 20 support warning is silenced by bin/berth.js: the engine reads no environment.)

export function s3Client(location: S3Location): S3Client {
  const config: S3ClientConfig = {
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    // Checksums only where S3 requires one: S3-compatible servers (Swift's
    // s3api, older MinIO, Ceph) refuse the SDK's default aws-chunked bodies
    // with trailing CRCs.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    ...(location.credentials ? { credentials: location.credentials } : {}),
  };
  const client = new S3Client(config);
  // DeleteObjects must carry Content-MD5 for Swift's s3api (and for S3 itself
  // before CRCs): the SDK now sends only a CRC, so the MD5 of the XML body is
  // added before signing.
  client.middlewareStack.add((next, context) => async (args) => {
    const request = args.request as { headers?: Record<string, string>; body?: unknown };
    if (context.commandName === 'DeleteObjectsCommand' && request.headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
      request.headers['content-md5'] = crypto.createHash('md5').update(request.body).digest('base64');
    }
    return next(args);
  }, { step: 'build', name: 'berthContentMd5' });
  return client;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** True for "no such key" (GET's NoSuchKey, HEAD's bare 404), not for a missing bucket or upload. */
export function isMissingKey(error: unknown): boolean {
  const e = error as SdkError;
  if (e?.name === 'NoSuchKey' || e?.name === 'NotFound') return true;
  return e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket' && e.name !== 'NoSuchUpload';
}

export function errorName(error: unknown): string | undefined {
  return (error as SdkError)?.name;
}

/** An SDK failure as the driver's error: which driver, what it was doing, what S3 said, and what to check. */
export function s3Failure(driver: string, location: S3Location, what: string, error: unknown): StorageDriverError {
  const e = error as SdkError;
  const said = `${e?.name ?? e?.code ?? 'Error'}: ${e?.message ?? String(error)}`;
  const where = location.endpoint ?? `AWS S3 (${location.region})`;
  let hint = '';
  if (e?.name === 'NoSuchBucket') hint = `; create bucket "${location.bucket}" first (berth does not create buckets)`;
  else if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'CredentialsProviderError'].includes(e?.name ?? '')) {
    hint = '; check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and ~/.aws/credentials) and the region';
  } else if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT'].includes(e?.code ?? '')) hint = `; is the S3 server at ${where} running?`;
  return new StorageDriverError('internal', `${driver}: ${what}: ${said}${hint}`, { cause: error });
}
