import { ErrorBodySchema } from '@paywatch/contracts';
import { z } from 'zod';
import type { RouteDoc } from './route-doc.js';

type Json = Record<string, unknown>;

const toSchema = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const j = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete j.$schema;
  return j;
};

const RATE_LIMITED =
  'Rate limit exceeded (per client IP — an IPv6 client per /64 — PAYWATCH_RATE_LIMIT_IP, or per API key, PAYWATCH_RATE_LIMIT_KEY).';
const RETRY_AFTER = { description: 'Seconds to wait before retrying', schema: { type: 'integer' } };

/**
 * Builds the OpenAPI 3.1 document from the route docs every router contributes, so the
 * description cannot drift from the routes (a test checks every mounted route is listed).
 */
export function buildOpenApi(routes: readonly RouteDoc[], info: { version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const parameters: Json[] = [];
    for (const [name, description] of Object.entries(r.pathParams ?? {})) {
      parameters.push({ name, in: 'path', required: true, description, schema: { type: 'string' } });
    }
    if (r.query) {
      const q = toSchema(r.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
      }
    }
    const responses: Record<string, Json> = {
      [String(r.response.status)]: {
        description: r.response.description,
        ...(r.response.schema
          ? { content: { 'application/json': { schema: toSchema(r.response.schema, 'output') } } }
          : r.response.contentType
            ? {
                content: {
                  // A JSON answer without a schema is still an object: `type: string` made generated
                  // clients parse the alerts API's answers as strings.
                  [r.response.contentType]: {
                    schema: r.response.contentType.endsWith('json') ? { type: 'object' } : { type: 'string' },
                  },
                },
              }
            : {}),
      },
    };
    // Every request passes the per-IP rate limit first (and keys their own): any route can answer 429.
    for (const [status, description] of Object.entries({ 429: RATE_LIMITED, ...r.errors })) {
      const other = r.errorBodies?.[Number(status)];
      const error = { $ref: '#/components/schemas/Error' };
      responses[status] = {
        description,
        content: {
          'application/json': { schema: other ? { oneOf: [error, toSchema(other, 'output')] } : error },
        },
        ...(status === '429' ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
      };
    }
    const op: Json = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(parameters.length ? { parameters } : {}),
      responses,
      security:
        r.auth === 'none' || r.auth === 'signature'
          ? []
          : r.auth === 'optional'
            ? [{}, { apiKey: [] }, { session: [] }]
            : r.auth === 'ingest'
              ? [{ apiKey: [] }]
              : [{ apiKey: [] }, { session: [] }],
      'x-paywatch-auth': r.auth,
    };
    if (r.body) {
      op.requestBody = {
        required: true,
        description: r.body.description,
        content: Object.fromEntries(
          r.body.contentTypes.map((ct) => [
            ct,
            {
              schema:
                r.body?.schema && ct.endsWith('json') ? toSchema(r.body.schema, 'input') : { type: 'string' },
            },
          ]),
        ),
      };
    }
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'paywatch',
      version: info.version,
      description:
        'Payment observability: ingest payment events, query KPIs and transactions, stream live data.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    paths,
    components: {
      schemas: { Error: toSchema(ErrorBodySchema, 'output') },
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (scopes ingest, read, oncall, admin; created in the admin API) or a static ingest key (PAYWATCH_INGEST_KEYS).',
        },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'pw_session',
          description:
            'Dashboard session (POST /api/auth/login); unsafe methods also need the X-CSRF-Token header. Named __Host-pw_session under HTTPS.',
        },
      },
    },
  };
}
