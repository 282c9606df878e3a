// Where this process last saw each blob (registry + repository), so a push to
// another repository of the same registry can ask for a cross-repository
// mount instead of uploading the bytes again.  In memory only: a hint, never
// a promise (the registry answers 202 and the upload goes ahead when wrong).

const seen = new Map<string, Array<{ baseUrl: string; repository: string }>>();
const LIMIT = 10_000;

export function rememberBlob(digest: string, baseUrl: string, repository: string): void {
  const places = seen.get(digest) ?? [];
  if (!places.some((p) => p.baseUrl === baseUrl && p.repository === repository)) places.push({ baseUrl, repository });
  seen.delete(digest);
  seen.set(digest, places.slice(-4));
  if (seen.size > LIMIT) seen.delete(seen.keys().next().value as string);
}

/** Another repository on the same registry that holds the blob, if one is known. */
export function mountSource(digest: string, baseUrl: string, repository: string): string | undefined {
  return seen.get(digest)?.find((p) => p.baseUrl === baseUrl && p.repository !== repository)?.repository;
}
