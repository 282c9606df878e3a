// One error type for the whole engine: clients print `message` and exit with
// `exitCode`, which follows Docker's conventions (125 engine error, 126 cannot
// invoke, 127 not found, 1 for a usage error caught by the CLI).

export type BerthErrorKind =
  | 'not-found'      // an image, container or file that does not exist
  | 'conflict'       // a name in use, an image in use, a container in the wrong state
  | 'invalid'        // bad input: a flag value, a reference, a tar entry
  | 'permission'     // not root, a kernel feature missing
  | 'cannot-invoke'  // the command exists but cannot be run (126)
  | 'command-not-found' // the command does not exist in the container (127)
  | 'internal';

const EXIT_CODES: Record<BerthErrorKind, number> = {
  'not-found': 125,
  conflict: 125,
  invalid: 125,
  permission: 125,
  'cannot-invoke': 126,
  'command-not-found': 127,
  internal: 125,
};

export class BerthError extends Error {
  readonly kind: BerthErrorKind;
  readonly exitCode: number;
  constructor(kind: BerthErrorKind, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.kind = kind;
    this.exitCode = options?.exitCode ?? EXIT_CODES[kind];
  }
}

export const notFound = (message: string, cause?: unknown) => new BerthError('not-found', message, { cause });
export const conflict = (message: string, cause?: unknown) => new BerthError('conflict', message, { cause });
export const invalid = (message: string, cause?: unknown) => new BerthError('invalid', message, { cause });

// errno names -> what they usually mean to someone running berth; used to
// explain a failing syscall without hiding which one it was.
const ERRNO_HINTS: Record<string, string> = {
  EPERM: 'operation not permitted (berth needs root: run it with sudo)',
  EACCES: 'permission denied (berth needs root: run it with sudo)',
  ENOENT: 'no such file or directory',
  EBUSY: 'device or resource busy (something still uses it: is a container running?)',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
  ENODEV: 'the kernel lacks this filesystem (is the module loaded?)',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EINVAL: 'invalid argument',
};

/** Turns an fs/addon error into a sentence that keeps the syscall and path. */
export function explainSystemError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (!e || typeof e !== 'object' || !e.code) return String((e as Error)?.message ?? error);
  const hint = ERRNO_HINTS[e.code];
  const where = e.syscall ? `${e.syscall}${e.path ? ` ${e.path}` : ''}` : e.message;
  return hint ? `${where}: ${hint}` : e.message;
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
