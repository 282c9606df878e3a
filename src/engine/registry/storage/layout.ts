// Where the registry keeps what, as driver paths: the one place that knows
// the layout.  It is the tree the filesystem backend has always written, laid
// out like Docker's distribution so that a directory of it reads with `ls`:
//
//   /blobs/sha256/<hex[0:2]>/<hex>                          blob bytes (layers, configs, manifests):
//                                                           complete and verified, only ever moved in
//   /repositories/<name>/_layers/sha256/<hex>               empty file: <name> holds that blob
//   /repositories/<name>/_manifests/revisions/sha256/<hex>  JSON {mediaType, subject?, artifactType?,
//                                                           annotations?}; the bytes are the blob <hex>
//   /repositories/<name>/_manifests/tags/<tag>              JSON {digest, updatedAt}
//   /repositories/<name>/_referrers/<subject hex>/<hex>     empty file: manifest <hex> has that subject
//   /uploads/<uuid>/info.json                               JSON {repository, startedAt}
//   /uploads/<uuid>/data                                    the bytes received so far
//
// A sha512 digest goes in the same places under `sha512` instead of
// `sha256` (/blobs/sha512/..., _layers/sha512/..., revisions/sha512/...);
// under _referrers the hex's length tells the algorithm.
//
// Names under /repositories cannot clash with the `_layers`-style
// directories: a repository name component never starts with '_'.  Callers
// validate names, digests, tags and ids first (names.ts, digest.ts); these
// functions only place them.
import { digestParts, type DigestAlgorithm } from './digests.js';

/** The sha256 blobs (the only ones berth's own pushes make); blobsPath(algorithm) for any. */
export const BLOBS = '/blobs/sha256';
export const blobsPath = (algorithm: DigestAlgorithm = 'sha256'): string => `/blobs/${algorithm}`;
const digestHex = (digest: string): string => digestParts(digest).hex;
const algorithmOf = (digest: string): DigestAlgorithm => digestParts(digest).algorithm;
export const REPOSITORIES = '/repositories';
export const UPLOADS = '/uploads';

export const blobPath = (digest: string): string => {
  const { algorithm, hex } = digestParts(digest);
  return `${blobsPath(algorithm)}/${hex.slice(0, 2)}/${hex}`;
};

export const repositoryPath = (name: string): string => `${REPOSITORIES}/${name}`;
export const layerLinksPath = (name: string, algorithm: DigestAlgorithm = 'sha256'): string => `${repositoryPath(name)}/_layers/${algorithm}`;
export const layerLinkPath = (name: string, digest: string): string => `${layerLinksPath(name, algorithmOf(digest))}/${digestHex(digest)}`;
export const revisionsPath = (name: string, algorithm: DigestAlgorithm = 'sha256'): string => `${repositoryPath(name)}/_manifests/revisions/${algorithm}`;
export const revisionPath = (name: string, digest: string): string => `${revisionsPath(name, algorithmOf(digest))}/${digestHex(digest)}`;
export const tagsPath = (name: string): string => `${repositoryPath(name)}/_manifests/tags`;
export const tagPath = (name: string, tag: string): string => `${tagsPath(name)}/${tag}`;
export const referrersPath = (name: string, subject: string): string => `${repositoryPath(name)}/_referrers/${digestHex(subject)}`;
export const referrerPath = (name: string, subject: string, digest: string): string => `${referrersPath(name, subject)}/${digestHex(digest)}`;

export const uploadPath = (id: string): string => `${UPLOADS}/${id}`;
export const uploadInfoPath = (id: string): string => `${uploadPath(id)}/info.json`;
export const uploadDataPath = (id: string): string => `${uploadPath(id)}/data`;

/** The last component of a driver path. */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
