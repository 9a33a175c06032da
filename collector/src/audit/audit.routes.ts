import { Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/access-control.js';
import type { AuthService } from '../auth/auth.service.js';
import { parseQuery } from '../http/query.js';
import type { RouteDoc } from '../http/route-doc.js';
import { AUDIT_ACTIONS } from './types.js';

const int = z.coerce.number().int().min(0);
// Strict like the read API's queries: a misspelt parameter (`actions=`) is a 400 naming it, not a silently unfiltered page.
export const AuditQuerySchema = z.strictObject({
  from: int.optional(),
  to: int.optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  actor: z.string().max(100).optional(),
  before: int.optional().describe('Cursor: the `seq` of the last entry of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const EntrySchema = z.object({
  seq: z.number().int(),
  ts: z.number().int(),
  action: z.enum(AUDIT_ACTIONS),
  outcome: z.enum(['success', 'failure']),
  actor: z.string().nullable(),
  actor_kind: z.enum(['user', 'key', 'anonymous', 'system']),
  ip: z.string().nullable(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const AUDIT_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/admin/audit',
    tag: 'admin',
    auth: 'admin',
    summary: 'The audit log, newest first',
    query: AuditQuerySchema,
    description:
      'Logins, key creation/revocation/failed use, user changes, exports, rule/config changes, silences, acknowledgements and erasures. Reading it is itself audited.',
    response: {
      status: 200,
      schema: z.object({ entries: z.array(EntrySchema), next_before: z.number().int().nullable() }),
      description: 'A page of entries',
    },
    errors: {
      400: 'A query parameter is invalid or unknown; `error.field` names it.',
      401: 'Not signed in.',
      403: 'Not an admin.',
    },
  },
];

/** `GET /api/admin/audit` (admins only, by the route table). */
export function createAuditRouter(deps: { auth: AuthService }): Router {
  const r = Router();
  r.get('/api/admin/audit', async (req, res) => {
    const q = parseQuery(AuditQuerySchema, req.query);
    const entries = await deps.auth.audit.list({
      limit: q.limit,
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.actor !== undefined ? { actor: q.actor } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
    });
    await deps.auth.record(
      { principal: principalOf(res), ip: req.ip ?? null },
      'audit.read',
      'success',
      null,
      { returned: entries.length },
    );
    res.json({
      entries,
      next_before: entries.length === q.limit ? (entries[entries.length - 1]?.seq ?? null) : null,
    });
  });
  return r;
}
