// The registry server's public surface.
export { startRegistry, type RegistryOptions, type RunningRegistry } from './server.js';
export { Authenticator, Htpasswd, parseScope, formatScope, signToken, verifyToken, DEFAULT_SERVICE, type AuthConfig, type GrantPolicy, type Scope } from './auth.js';
export { ERRORS, RegistryHttpError, type ErrorCode } from './errors.js';
export { ROUTES, matchRoute, type Route } from './routes.js';
export { searchRepositories, type SearchResult } from './search.js';
