import type { z } from 'zod';
import type { AuditAction } from '../audit/types.js';
import type { Requirement } from '../auth/roles.js';

/**
 * One documented HTTP route. Every router contributes its docs; the OpenAPI document is built
 * from them and a test checks that every mounted Express route has one.
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** OpenAPI path template, e.g. `/api/v1/payments/{payment_id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /**
   * Who may call it, enforced by the one access-control middleware (auth/access-control.ts):
   * `none` (public), `signature` (provider-signed, verified by the router), `ingest` (an API key
   * with scope ingest), or the minimum role `viewer` < `analyst` < `oncall` < `admin`.
   */
  auth: Requirement;
  /** When set, every call is written to the audit log under this action (caller, IP, path, status, `res.locals.auditDetails`). */
  audit?: AuditAction;
  query?: z.ZodType;
  pathParams?: Record<string, string>;
  /** Request body: a zod schema (JSON) or a content map of media type → description. */
  body?: { schema?: z.ZodType; contentTypes: string[]; description: string };
  /** Successful response: a zod schema for JSON, or a media type with a description. */
  response: { status: number; schema?: z.ZodType; contentType?: string; description: string };
  /** Other statuses this route answers with, and why (body: the shared `Error` shape unless `errorBodies` says otherwise). */
  errors?: Record<number, string>;
  /**
   * Statuses of `errors` that may answer with another JSON body instead of the `Error` shape
   * (e.g. `POST /v1/events`: 400 with the ingest response when every event is rejected);
   * documented as `oneOf: [Error, schema]`.
   */
  errorBodies?: Record<number, z.ZodType>;
}
