// Image references, with Docker's grammar (distribution/reference):
//
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] path-component [ "/" path-component ]*
//   domain    := host [ ":" port ]          e.g. localhost:5000, registry.example
//   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag       := [\w][\w.-]{0,127}
//
// The first component is a domain when it contains "." or ":" or is
// "localhost" (as Docker decides).  Unlike Docker, an unqualified name is kept
// as written -- no "docker.io/library/" prefix -- because berth's default
// index is its own local hub: `busybox` displays as `busybox:latest`.
import { invalid } from '../errors.js';
import { isDigest } from './digest.js';

export interface ImageReference {
  /** e.g. "localhost:5000"; undefined means the default index (the local hub) */
  readonly domain?: string;
  /** repository path on that registry, e.g. "alice/app" or "busybox" */
  readonly path: string;
  /** domain + path as written, e.g. "localhost:5000/app" or "busybox" */
  readonly name: string;
  /** e.g. "v2"; undefined when the text named none */
  readonly tag?: string;
  /** e.g. "sha256:..." for `name@sha256:...` */
  readonly digest?: string;
}

export const DEFAULT_TAG = 'latest';
const NAME_MAX = 255;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_NAME_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parses a reference as written; `tag` stays undefined when absent. */
export function parseReference(text: string): ImageReference {
  if (text === '') throw invalid('invalid reference format: the image name is empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) {
      throw invalid(`invalid reference format: ${JSON.stringify(text)} has an invalid digest (expected sha256:<64 lowercase hex digits>)`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw invalid(`invalid reference format: invalid tag ${JSON.stringify(tag)} in ${JSON.stringify(text)} (a tag is up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-')`);
    }
  }
  const { domain, path } = splitDomain(rest);
  if (domain !== undefined && !DOMAIN.test(domain)) {
    throw invalid(`invalid reference format: invalid registry ${JSON.stringify(domain)} in ${JSON.stringify(text)}`);
  }
  validatePath(path, text);
  const name = domain === undefined ? path : `${domain}/${path}`;
  if (name.length > NAME_MAX) {
    throw invalid(`invalid reference format: repository name ${JSON.stringify(name)} is longer than ${NAME_MAX} characters`);
  }
  return { domain, path, name, tag, digest };
}

/** Like parseReference, but a reference with neither tag nor digest gets `:latest`. */
export function parseNormalizedReference(text: string): ImageReference {
  const ref = parseReference(text);
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** `name[:tag][@digest]`: the canonical display form, e.g. "busybox:latest". */
export function formatReference(ref: Pick<ImageReference, 'name' | 'tag' | 'digest'>): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** "busybox" -> "busybox:latest"; "localhost:5000/app:v2" stays as it is. */
export function normalizeReference(text: string): string {
  return formatReference(parseNormalizedReference(text));
}

/** True when the text parses as a reference (for callers choosing between a name and an id). */
export function isReference(text: string): boolean {
  try {
    parseReference(text);
    return true;
  } catch {
    return false;
  }
}

function splitDomain(name: string): { domain?: string; path: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { path: name };
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    return { domain: first, path: name.slice(slash + 1) };
  }
  return { path: name };
}

function validatePath(path: string, text: string): void {
  if (path !== path.toLowerCase()) {
    throw invalid(`invalid reference format: repository name ${JSON.stringify(path)} must be lowercase`);
  }
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(`invalid reference format: ${JSON.stringify(text)} (each part of a repository name is lowercase letters and digits, joined by '.', '_', '__' or '-')`);
    }
  }
}
