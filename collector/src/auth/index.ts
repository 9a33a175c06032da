// Public surface of access control: what the composition root and other routers use.
export {
  CSRF_HEADER,
  ForbiddenError,
  LIVE_TRANSACTIONS_ROOM,
  createAccessControl,
  principalOf,
  sessionCookieName,
} from './access-control.js';
export type { AccessControl, AccessControlDeps } from './access-control.js';
export { AUTH_ROUTE_DOCS, createAuthRouter } from './auth.routes.js';
export { createAuthService } from './auth.service.js';
export type { ActionContext, ApiKeyView, AuthConfig, AuthService, UserView } from './auth.service.js';
export { OIDC_ROUTE_DOCS, createOidcRouter, roleOfGroups } from './oidc.routes.js';
export type { OidcConfig } from './oidc.routes.js';
export { createRateLimiter } from './rate-limit.js';
export type { RateLimiter } from './rate-limit.js';
export { ANONYMOUS, REQUIREMENTS, ROLES, SCOPES, actorOf, decide, isRole, isScope } from './roles.js';
export type { Principal, Requirement, Role, Scope } from './roles.js';
export { openSecurityDb } from './security-db.js';
export type { SecurityDb } from './security-db.js';
export type { SecurityConfig } from './security-config.js';
