/**
 * Roles, API key scopes and what each route requires. Pure: the one table every access
 * decision (HTTP middleware, socket.io hook, dashboard) is derived from.
 */

/** Ordered from least to most privileged; each role has everything of the roles before it. */
export const ROLES = ['viewer', 'analyst', 'oncall', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * API key scopes. `read` acts as an analyst for GET routes; `oncall` as an on-call user (reads,
 * acknowledges, silences: a ChatOps bot needs no admin key); `admin` may call every route.
 */
export const SCOPES = ['ingest', 'read', 'oncall', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What a route requires: `none` (anyone), `signature` (anyone; the router verifies the
 * provider's signature), `optional` (anyone, but credentials that are sent are checked — a bad
 * one is refused — and the route sees who calls: "who am I"), `ingest` (an API key with scope
 * `ingest`), or a minimum role.
 */
export type Requirement = 'none' | 'signature' | 'optional' | 'ingest' | Role;
export const REQUIREMENTS: readonly Requirement[] = ['none', 'signature', 'optional', 'ingest', ...ROLES];

/** Who is calling, once credentials are checked. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: string; name: string; role: Role; sessionId: string; csrf: string }
  | { kind: 'key'; id: string; name: string; scopes: readonly Scope[] }
  /** The collector itself (start-up, retention job, CLI); never the caller of an HTTP request. */
  | { kind: 'system'; name: string };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}
export function isScope(v: unknown): v is Scope {
  return typeof v === 'string' && (SCOPES as readonly string[]).includes(v);
}

export const roleRank = (r: Role): number => ROLES.indexOf(r);

/** The highest role a `read` key acts as: aggregates and masked transactions, no actions. */
const READ_KEY_ROLE: Role = 'analyst';

/**
 * The access decision. `allow` or why not: `unauthenticated` (401: no or bad credentials) or
 * `forbidden` (403: known caller without the right).
 */
export function decide(p: Principal, req: Requirement): 'allow' | 'unauthenticated' | 'forbidden' {
  if (req === 'none' || req === 'signature' || req === 'optional') return 'allow';
  if (p.kind === 'anonymous') return 'unauthenticated';
  if (p.kind === 'system') return 'forbidden';
  if (p.kind === 'key') {
    if (p.scopes.includes('admin')) return 'allow';
    if (req === 'ingest') return p.scopes.includes('ingest') ? 'allow' : 'forbidden';
    if (p.scopes.includes('read') && roleRank(req) <= roleRank(READ_KEY_ROLE)) return 'allow';
    if (p.scopes.includes('oncall') && roleRank(req) <= roleRank('oncall')) return 'allow';
    return 'forbidden';
  }
  // Users never ingest: machines do, with keys.
  if (req === 'ingest') return 'forbidden';
  return roleRank(p.role) >= roleRank(req) ? 'allow' : 'forbidden';
}

/** A short, non-secret label of the caller for the audit log and logs. */
export function actorOf(p: Principal): { actor: string | null; actor_kind: Principal['kind'] } {
  if (p.kind === 'user') return { actor: p.name, actor_kind: 'user' };
  if (p.kind === 'key') return { actor: `key:${p.name}`, actor_kind: 'key' };
  if (p.kind === 'system') return { actor: p.name, actor_kind: 'system' };
  return { actor: null, actor_kind: 'anonymous' };
}
