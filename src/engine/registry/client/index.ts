// The registry client: pull, push, search, login -- over Node's fetch,
// against any registry that speaks the OCI distribution spec.
export { pullImage, type PullOptions } from './pull.js';
export { pushImage, withDigest, type PushOptions, type PushResult } from './push.js';
export { searchIndex, type SearchResult } from './search.js';
export { login, logout, registryBaseUrl, type LoginResult } from './login.js';
export { RegistrySession, type RegistryTarget } from './session.js';
export { RegistryError, BAD_CREDENTIALS } from './errors.js';
export { formatProgress, humanBytes, type LayerStatus, type ProgressEvent, type ProgressListener } from './progress.js';
export { hostPlatform, type PlatformWanted } from './manifest.js';
export { credentialsFor, registryHost, authFile, type Credentials } from '../credentials.js';
