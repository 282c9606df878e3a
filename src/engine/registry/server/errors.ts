// Every error the registry answers with, in one catalogue: the code a client
// matches on, the spec's message and the HTTP status.  Handlers throw
// `registryError(code, detail)`; the router turns it into
// {"errors":[{"code","message","detail"}]}.

export const ERRORS = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'manifest tag did not match URI' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'the operation is unsupported' },
  NOT_FOUND: { status: 404, message: 'no such endpoint' },
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  INTERNAL: { status: 500, message: 'internal server error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error a handler answers with; `headers` go on the response (Location, Range, WWW-Authenticate). */
export class RegistryHttpError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, readonly detail?: unknown, readonly headers: Record<string, string> = {}, message?: string) {
    super(message ?? ERRORS[code].message);
    this.name = 'RegistryHttpError';
    this.status = ERRORS[code].status;
  }
}

export function registryError(code: ErrorCode, detail?: unknown, headers?: Record<string, string>, message?: string): RegistryHttpError {
  return new RegistryHttpError(code, detail, headers, message);
}

/** The JSON body of an error response. */
export function errorBody(error: RegistryHttpError): string {
  return JSON.stringify({ errors: [{ code: error.code, message: error.message, detail: error.detail ?? null }] });
}
