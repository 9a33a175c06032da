import { RangeQuerySchema, filtersOf, type PaymentEvent } from '@paywatch/contracts';
import { Router } from 'express';
import { z } from 'zod';
import { BadRequestError } from '../lib/errors.js';
import type { EventReader } from '../store/types.js';
import { normalizeFilters } from './filter-values.js';
import { parseQuery } from './query.js';
import type { RouteDoc } from './route-doc.js';

/** Most events one export returns (the response says when it was cut). */
export const MAX_EXPORT_ROWS = 100_000;
const MAX_RANGE_MS = 400 * 86_400_000;

export const ExportQuerySchema = RangeQuerySchema.extend({
  format: z.enum(['csv', 'ndjson']).default('csv'),
});

const COLUMNS = [
  'event_id',
  'ts',
  'payment_id',
  'attempt',
  'merchant_id',
  'provider',
  'method',
  'channel',
  'status',
  'amount_minor',
  'currency',
  'country',
  'failure_category',
  'failure_code',
  'card_brand',
  'card_bin',
  'card_last4',
  'latency_ms',
  'customer_ref',
] as const;

function cells(e: PaymentEvent): (string | number | null)[] {
  return [
    e.event_id,
    new Date(e.ts).toISOString(),
    e.payment_id,
    e.attempt,
    e.merchant_id,
    e.provider,
    e.method,
    e.channel,
    e.status,
    e.amount_minor,
    e.currency,
    e.country,
    e.failure?.category ?? null,
    e.failure?.code ?? null,
    e.card?.brand ?? null,
    e.card?.bin ?? null,
    e.card?.last4 ?? null,
    e.latency_ms,
    e.customer_ref,
  ];
}

/** RFC 4180 quoting, and a leading `'` before = + - @ so spreadsheets never run a cell as a formula. */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const EXPORT_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/export/transactions',
    tag: 'read',
    auth: 'analyst',
    audit: 'export',
    summary: 'Export masked payment events matching filters (CSV or NDJSON), newest first',
    description: `Same filters and range as /api/v1/transactions; at most ${MAX_EXPORT_ROWS} events (header \`X-Paywatch-Truncated: true\` when cut). Every export is written to the audit log with its filters and row count.`,
    query: ExportQuerySchema,
    response: {
      status: 200,
      contentType: 'text/csv',
      description: 'CSV with a header row (or NDJSON with `format=ndjson`)',
    },
    errors: {
      400: 'A query parameter is invalid.',
      401: 'Not signed in and no API key.',
      403: 'Needs the analyst role or a read key.',
      503: 'The store is unreachable.',
    },
  },
];

/** `GET /api/v1/export/transactions`: streams pages from the reader; audited by the access-control middleware (RouteDoc.audit). */
export function createExportRouter(deps: { reader: EventReader; now?: () => number }): Router {
  const r = Router();
  r.get('/api/v1/export/transactions', async (req, res) => {
    const q = parseQuery(ExportQuerySchema, req.query);
    const to = q.to ?? (deps.now ?? Date.now)();
    const from = q.from ?? to - 3_600_000;
    if (from >= to || to - from > MAX_RANGE_MS)
      throw new BadRequestError(
        '"from" must be before "to", at most 400 days apart',
        'from',
        'invalid_parameter',
      );
    const range = { from, to, filters: normalizeFilters(filtersOf(q)) };
    // Read everything first: an error then is still a clean JSON error, not a cut file.
    const rows: PaymentEvent[] = [];
    let cursor: string | null = null;
    do {
      const page = await deps.reader.transactions({
        ...range,
        limit: Math.min(5000, MAX_EXPORT_ROWS - rows.length),
        cursor,
      });
      rows.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null && rows.length < MAX_EXPORT_ROWS);
    res.setHeader('X-Paywatch-Rows', String(rows.length));
    res.setHeader('X-Paywatch-Truncated', String(cursor !== null));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="paywatch-transactions-${new Date(from).toISOString().slice(0, 10)}.${q.format === 'csv' ? 'csv' : 'ndjson'}"`,
    );
    res.locals.auditDetails = {
      rows: rows.length,
      from,
      to,
      filters: JSON.stringify(range.filters).slice(0, 300),
      format: q.format,
    };
    if (q.format === 'ndjson') {
      res
        .type('application/x-ndjson')
        .send(rows.map((e) => JSON.stringify(e)).join('\n') + (rows.length ? '\n' : ''));
      return;
    }
    const lines = [COLUMNS.join(','), ...rows.map((e) => cells(e).map(csvCell).join(','))];
    res.type('text/csv').send(lines.join('\r\n') + '\r\n');
  });
  return r;
}
