import { INGEST_LIMITS, IngestResponseSchema, PaymentEventInputSchema } from '@paywatch/contracts';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ReadyBodySchema, checkReadiness, type ReadinessDeps } from './readiness.js';
import type { RouteDoc } from './route-doc.js';
import { INFLIGHT_LIMIT_DOCS } from '../lib/inflight-limit.js';

export const SYSTEM_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/events',
    tag: 'ingest',
    auth: 'ingest',
    summary: 'Ingest payment events (JSON or NDJSON)',
    description:
      `\`application/json\`: one event or an array; \`application/x-ndjson\`: one event per line. The body is UTF-8 (a leading byte order mark is ignored; a \`charset\` other than utf-8 is a 415; bytes that are not UTF-8 are a 400 \`invalid_utf8\` naming the byte for JSON, and reject only their line in NDJSON). Limits: body ${INGEST_LIMITS.maxBodyBytes} bytes (8 MiB, after gzip/deflate decoding), ${INGEST_LIMITS.maxEventsPerRequest} events per request (413 beyond). ` +
      'Each event is validated independently: good events are accepted even when others are rejected. A 2xx means accepted events are durable. Re-sending an event_id is counted as a duplicate and never stored twice. ' +
      'Unknown top-level fields are rejected (put custom data in `metadata`), and so is text (any field, `metadata` keys and values included) holding a lone UTF-16 surrogate such as an unpaired `\\ud800` escape, naming the field. Card numbers anywhere are masked to BIN…last4 (`card.bin` keeps 8 digits only in ranges whose card numbers all have 16+, else 6: PCI SSC FAQ 1091), CVV/PIN-like metadata keys are dropped, and customer/device/IP refs, e-mails, phones and public IPv4/IPv6 addresses in text are replaced by keyed hashes before storage.',
    body: {
      schema: z.union([PaymentEventInputSchema, z.array(PaymentEventInputSchema)]),
      contentTypes: ['application/json', 'application/x-ndjson'],
      description: 'Payment events',
    },
    response: {
      status: 200,
      schema: IngestResponseSchema,
      description:
        'Counts of accepted, duplicate and rejected events; per rejected event its index, field path and reason, and for NDJSON its 1-based body line',
    },
    errors: {
      400:
        'Either the `Error` shape, for a body that holds no events (malformed JSON — the message names the position —, a JSON body that is not UTF-8 — the message names the byte —, an empty body or an empty array), ' +
        'or the same ingest response as 200 (accepted 0, duplicate 0, `errors` with each event’s index, field path and reason) when every event was rejected, NDJSON lines that are not JSON included.',
      401: 'Missing or invalid API key.',
      408: INFLIGHT_LIMIT_DOCS.slowBody,
      429: `Rate limit exceeded (per client IP, PAYWATCH_RATE_LIMIT_IP, or per API key, PAYWATCH_RATE_LIMIT_KEY), or ${INFLIGHT_LIMIT_DOCS.unsizedPerClient}.`,
      413: 'Body over 8 MiB or more than 10,000 events; a `Content-Length` over 8 MiB is answered at once, before the body is read, a chunked body once 8 MiB of it have arrived, and the connection closed.',
      415: 'Unsupported content type, charset (only UTF-8) or encoding.',
      503: 'The store cannot durably accept events right now, or more than `PAYWATCH_INGEST_INFLIGHT_MB` (128 MiB) of ingest bodies are already in flight (the body is not read); retry after `Retry-After` seconds.',
    },
    errorBodies: { 400: IngestResponseSchema },
  },
  {
    method: 'get',
    path: '/healthz',
    tag: 'system',
    auth: 'none',
    summary: 'Liveness: the process is up',
    response: { status: 200, schema: z.object({ status: z.literal('ok') }), description: 'Up' },
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'system',
    auth: 'none',
    summary: 'Readiness: ingest can be durably accepted (route ingest by it)',
    description:
      'With ClickHouse, events are acknowledged once in the local spool, so the collector stays ready during a ClickHouse outage while the spool takes writes: `store_status` says whether the store answered (within 0.5 s), `spool` what waits for it. With the embedded store, ready while the store answers.',
    response: {
      status: 200,
      schema: ReadyBodySchema,
      description:
        'Ready: `store` names the backend, `store_status` is `reachable` or `unreachable`, `spool` (ClickHouse only) holds pending events, the oldest one’s age, bytes used and the quota',
    },
    errors: {
      503: 'Not ready; `error.code` says why: `spool_full` (95 % of `PAYWATCH_SPOOL_QUOTA_MB` used, or a write refused for the quota in the last 5 s), `spool_failing` (a spool append failed on disk in the last 5 s), `spool_stopped`, `stopping` (shutting down), `store_unavailable` (embedded store: it does not answer). While the collector starts, every route answers 503 `text/plain` with `Retry-After`.',
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'system',
    auth: 'viewer',
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Prometheus sends an API key with scope `read` as its bearer token; `PAYWATCH_METRICS_PUBLIC=true` opens this route to anyone.',
    response: { status: 200, contentType: 'text/plain; version=0.0.4', description: 'Metrics' },
    errors: { 401: 'No credentials.' },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'system',
    auth: 'viewer',
    summary: 'This OpenAPI 3.1 document',
    response: { status: 200, contentType: 'application/json', description: 'OpenAPI document' },
  },
];

/** Health, readiness, metrics and the OpenAPI document. */
export function createSystemRouter(deps: {
  registry: Registry;
  readiness: ReadinessDeps;
  openapi: () => unknown;
}): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const r = await checkReadiness(deps.readiness);
    res.setHeader('Cache-Control', 'no-store');
    if (r.ready) res.json(r.body);
    else res.status(503).json({ error: { code: r.code, message: r.message } });
  });
  r.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.registry.contentType);
    res.send(await deps.registry.metrics());
  });
  r.get('/api/openapi.json', (_req, res) => {
    res.json(deps.openapi());
  });
  return r;
}
