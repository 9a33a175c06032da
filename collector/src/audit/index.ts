// Public surface of the audit trail.
export { AUDIT_ROUTE_DOCS, createAuditRouter } from './audit.routes.js';
export { createEmbeddedAuditLog } from './embedded-audit.js';
export { AUDIT_ACTIONS } from './types.js';
export type {
  AuditAction,
  AuditDetails,
  AuditEntry,
  AuditInput,
  AuditLog,
  AuditQuery,
  AuditReader,
  AuditWriter,
} from './types.js';
