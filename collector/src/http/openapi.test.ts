// Guards the OpenAPI document against drifting from behaviour: the rate limits answer 429 with Retry-After on any route; POST /v1/events documents its two 400 bodies.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from './openapi.js';
import { SYSTEM_ROUTE_DOCS } from './system.routes.js';
import type { RouteDoc } from './route-doc.js';

const routes: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/overview',
    tag: 'read',
    auth: 'viewer',
    summary: 'KPIs',
    response: { status: 200, schema: z.object({ attempts: z.number() }), description: 'Overview' },
    errors: { 400: 'A query parameter is invalid.' },
  },
  {
    method: 'get',
    path: '/healthz',
    tag: 'system',
    auth: 'none',
    summary: 'Liveness',
    response: { status: 200, description: 'Up' },
  },
  {
    method: 'post',
    path: '/api/auth/login',
    tag: 'auth',
    auth: 'none',
    summary: 'Sign in',
    response: { status: 200, description: 'Signed in' },
    errors: { 429: 'Too many sign-in attempts from this IP.' },
  },
];

type Op = { responses: Record<string, { description: string; headers?: Record<string, unknown> }> };

describe('buildOpenApi', () => {
  const doc = buildOpenApi(routes, { version: 't' }) as { paths: Record<string, Record<string, Op>> };

  it('documents 429 with Retry-After on every operation (the per-IP limit covers every route)', () => {
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) {
        const r = op.responses['429'];
        expect(r, `${method} ${path}`).toBeDefined();
        expect(r?.headers, `${method} ${path}`).toHaveProperty('Retry-After');
      }
  });

  it('keeps a route’s own 429 description', () => {
    expect(doc.paths['/api/auth/login']?.post?.responses['429']?.description).toBe(
      'Too many sign-in attempts from this IP.',
    );
    expect(doc.paths['/api/v1/overview']?.get?.responses['429']?.description).toMatch(/rate limit/i);
  });
});

describe('POST /v1/events 400', () => {
  const doc = buildOpenApi(SYSTEM_ROUTE_DOCS, { version: 't' }) as {
    paths: Record<
      string,
      Record<
        string,
        { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }
      >
    >;
  };
  const schema = doc.paths['/v1/events']?.post?.responses['400']?.content?.['application/json']?.schema;

  it('is the Error shape or the ingest response (what the route answers when every event is rejected)', () => {
    const oneOf = schema?.oneOf as { $ref?: string; properties?: Record<string, unknown> }[] | undefined;
    expect(oneOf?.map((s) => s.$ref ?? Object.keys(s.properties ?? {}).sort())).toEqual([
      '#/components/schemas/Error',
      ['accepted', 'duplicate', 'errors', 'rejected'],
    ]);
  });

  it('keeps the shared Error shape for statuses without another body', () => {
    expect(doc.paths['/v1/events']?.post?.responses['413']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
  });
});
