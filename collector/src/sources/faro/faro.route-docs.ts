import type { RouteDoc } from '../../http/route-doc.js';
import { INFLIGHT_LIMIT_DOCS } from '../../lib/inflight-limit.js';

/** OpenAPI docs of the Faro receiver (mounted by the composition root with the router). */
export const FARO_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    path: '/faro/collect',
    tag: 'rum',
    auth: 'none',
    summary: 'Grafana Faro browser RUM receiver',
    description:
      'Accepts what @grafana/faro-web-sdk posts (meta, events, measurements, exceptions, logs; traces ignored), JSON or text/plain (beacon), gzip allowed. ' +
      "CORS: only configured origins (others 403); the collector's own origin (same-origin pages such as the dashboard) is always accepted. Stored as RUM records: web vitals (lcp, cls, inp, fcp, ttfb), errors, logs and custom events such as " +
      '`checkout_viewed`, `payment_submitted`, `payment_result` (with a `status` attribute) that make the checkout funnel. Text is masked; page URLs keep origin and path.',
    body: { contentTypes: ['application/json', 'text/plain'], description: 'A Faro transport body' },
    response: {
      status: 202,
      contentType: 'application/json',
      description: '`{"accepted": <records stored>}`',
    },
    errors: {
      400: 'Not a Faro payload (the message names the field: more than 1000 items in a list, attributes nested deeper than 8 levels…).',
      401: 'Wrong `x-api-key` (when one is configured).',
      403: 'Origin not allowed.',
      408: INFLIGHT_LIMIT_DOCS.slowBody,
      429: `Rate limit exceeded (per client IP, PAYWATCH_RATE_LIMIT_IP), or ${INFLIGHT_LIMIT_DOCS.unsizedPerClient}.`,
      413: 'Body over `PAYWATCH_FARO_MAX_BODY_KB` (256 KiB) after gzip decoding (a `Content-Length` over it: answered at once; a chunked body: once that much has arrived; the connection closed).',
      415: 'A body that is neither `application/json` nor `text/plain` (or has no `Content-Type`).',
      503: "More than 32 MiB of beacon bodies in flight (`Retry-After: 1`), or records could not be stored (with ClickHouse: the local spool is full while ClickHouse is down or slow); `Retry-After` says when to retry, and the SDK does. A 202 means the records are durable (with ClickHouse: fsync'd in the spool, drained to ClickHouse in order).",
    },
  },
];
