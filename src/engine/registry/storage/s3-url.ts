// s3://bucket/prefix?param=value... as the S3 storage's options, in the
// words of distribution's s3 driver settings:
//
//   endpoint=http://127.0.0.1:9000   an S3-compatible server (AWS's own endpoint when absent)
//   region=us-east-1                 default AWS_REGION, AWS_DEFAULT_REGION, then us-east-1
//   forcepathstyle=true|false        bucket in the path; default true with an endpoint
//   chunksize=10485760               multipart part size in bytes (at least 5 MiB; default 10 MiB)
//   redirect=true|false              answer blob GETs with a redirect to a presigned URL
//
// Credentials are not in the URL: the AWS SDK's usual chain finds them
// (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE and
// ~/.aws/credentials, ...).
import { invalid } from '../../errors.js';
import { DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE, type S3DriverOptions } from './drivers/s3.js';

const PARAMS = ['endpoint', 'region', 'forcepathstyle', 'chunksize', 'redirect'] as const;
// S3's rules for bucket names that work in a path and a host name alike.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const COMPONENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export function parseS3Url(location: string): S3DriverOptions {
  const bad = (why: string) => invalid(`invalid storage URL ${JSON.stringify(location)}: ${why}`);
  let url: URL;
  try {
    url = new URL(location);
  } catch (error) {
    throw bad(`${(error as Error).message} (expected s3://bucket/prefix?endpoint=...)`);
  }
  if (url.username || url.password) throw bad('credentials do not go in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)');
  const bucket = url.hostname;
  if (url.port || !BUCKET.test(bucket)) throw bad(`"${url.host}" is not an S3 bucket name (3 to 63 of a-z, 0-9, '.', '-')`);
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (prefix && !prefix.split('/').every((part) => COMPONENT.test(part))) {
    throw bad(`the prefix "${prefix}" must be '/'-separated names of letters, digits, '.', '_' and '-', none starting with '.'`);
  }
  for (const key of url.searchParams.keys()) {
    if (!(PARAMS as readonly string[]).includes(key)) throw bad(`unknown parameter "${key}" (known: ${PARAMS.join(', ')})`);
  }
  const param = (name: (typeof PARAMS)[number]) => url.searchParams.get(name) ?? undefined;
  const flag = (name: (typeof PARAMS)[number], fallback: boolean) => {
    const value = param(name);
    if (value === undefined) return fallback;
    if (value !== 'true' && value !== 'false') throw bad(`${name} must be true or false, not "${value}"`);
    return value === 'true';
  };
  const endpoint = param('endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) throw bad(`endpoint must be http://host[:port] or https://host[:port], not "${endpoint}"`);
  const chunkText = param('chunksize');
  const chunkSize = chunkText === undefined ? DEFAULT_CHUNK_SIZE : Number(chunkText);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE) throw bad(`chunksize must be a number of bytes of at least ${MIN_CHUNK_SIZE} (5 MiB), not "${chunkText}"`);
  return {
    bucket,
    prefix,
    ...(endpoint ? { endpoint: endpoint.replace(/\/$/, '') } : {}),
    region: param('region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: flag('forcepathstyle', endpoint !== undefined),
    chunkSize,
    redirect: flag('redirect', false),
  };
}
