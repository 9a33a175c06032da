import type { Session } from '../../app/session.js';

/**
 * What each role may see in the dashboard, mirroring the collector's route table
 * (collector/src/auth/roles.ts): viewers see aggregates only, analysts also masked
 * transactions, on-call engineers may also acknowledge and silence alerts, admins everything.
 * The collector enforces it; the dashboard only hides what would be refused.
 */
export const ROLES = ['viewer', 'analyst', 'oncall', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Something the dashboard shows or does, and the least role it needs. */
export const NEEDS = {
  live: 'viewer',
  trends: 'viewer',
  funnel: 'viewer',
  alerts: 'viewer',
  transactions: 'analyst',
  export: 'analyst',
  'alerts.act': 'oncall',
  admin: 'admin',
} as const satisfies Record<string, Role>;
export type Capability = keyof typeof NEEDS;

/** The caller as `/api/auth/me` describes it (a user with a role, or an API key with scopes). */
export interface Caller {
  kind: 'user' | 'key';
  role: string | null;
  scopes: readonly string[];
}

/** The role a caller acts as; null when it may not read at all (e.g. an ingest-only key). */
export function effectiveRole(c: Caller): Role | null {
  if (c.kind === 'user') return (ROLES as readonly string[]).includes(c.role ?? '') ? (c.role as Role) : null;
  if (c.scopes.includes('admin')) return 'admin';
  if (c.scopes.includes('oncall')) return 'oncall';
  if (c.scopes.includes('read')) return 'analyst';
  return null;
}

/** `open` = a collector without access control: everything is visible. */
export function can(caller: Caller | 'open', what: Capability): boolean {
  if (caller === 'open') return true;
  const role = effectiveRole(caller);
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(NEEDS[what]);
}

/**
 * Whether the page shows `what` to this session: a signed-in caller by its role; otherwise (an open
 * collector, a session still being checked) nothing is hidden and the collector decides.
 */
export function sessionCan(session: Session, what: Capability): boolean {
  return session.kind !== 'signed-in' || can(session.me, what);
}

/** The capability a dashboard path needs (unknown paths: viewer). */
export function capabilityOfPath(path: string): Capability {
  if (path.startsWith('/transactions') || path.startsWith('/payments')) return 'transactions';
  if (path.startsWith('/trends')) return 'trends';
  if (path.startsWith('/funnel')) return 'funnel';
  if (path.startsWith('/alerts') || path.startsWith('/silences')) return 'alerts';
  return 'live';
}
