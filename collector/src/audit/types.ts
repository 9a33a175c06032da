/**
 * The audit trail (PCI DSS 10.2): who did what, when, from where, and whether it worked.
 * Append-only: nothing updates or deletes an entry except the retention purge.
 */

export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.logout',
  'key.create',
  'key.revoke',
  'key.auth_failed',
  'user.create',
  'user.update',
  'user.delete',
  'export',
  'rule.change',
  'config.change',
  'silence.change',
  'alert.ack',
  'alert.unack',
  'data.erase',
  'data.retention',
  'data.backup',
  'data.restore',
  'audit.read',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Small scalar details only: never secrets, never raw customer identifiers. */
export type AuditDetails = Record<string, string | number | boolean | null>;

/** What a caller hands to `append`; the writer stamps `seq`. */
export interface AuditInput {
  ts: number;
  action: AuditAction;
  outcome: 'success' | 'failure';
  /** User name, `key:<name>`, or null for anonymous callers (e.g. a failed login names the attempted user in details). */
  actor: string | null;
  actor_kind: 'user' | 'key' | 'anonymous' | 'system';
  ip: string | null;
  /** What was acted on (a user name, key id, route, customer ref…). */
  target: string | null;
  details: AuditDetails;
}

export interface AuditEntry extends AuditInput {
  /** Strictly increasing; the paging cursor. */
  seq: number;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  action?: AuditAction;
  actor?: string;
  /** Entries with `seq` below this (the previous page's last seq). */
  before?: number;
  limit: number;
}

/** Appends entries; `append` resolves once the entry is committed. */
export interface AuditWriter {
  append(e: AuditInput): Promise<AuditEntry>;
}

/** Reads entries newest first. */
export interface AuditReader {
  list(q: AuditQuery): Promise<AuditEntry[]>;
}

/** The audit log of one backend: writer, reader and the retention purge. */
export interface AuditLog extends AuditWriter, AuditReader {
  /** Deletes entries older than `beforeTs`; returns how many. Only the retention job calls it. */
  purgeBefore(beforeTs: number): Promise<number>;
}
