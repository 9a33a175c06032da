import { RFC3339 } from '@paywatch/contracts';
import type { z } from 'zod';
import { BadRequestError } from '../lib/errors.js';
import { cutText } from '../lib/pan.js';

const TIME_PARAMS = ['from', 'to'] as const;

/** Validates query parameters; the first problem becomes a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  // Range bounds: epoch ms or RFC 3339 *with* a zone. Anything else `Date.parse` would read in
  // the server's own time zone (`2026-11-25T00:00:00`, `2026-11-25`, `Nov 25 2026`), so the same
  // URL would mean different hours on different machines.
  for (const k of TIME_PARAMS) {
    const v = (query as Record<string, unknown> | undefined)?.[k];
    if (typeof v === 'string' && !/^\d+$/.test(v) && !RFC3339.test(v))
      throw new BadRequestError(
        `query parameter "${k}": expected epoch milliseconds or RFC 3339 with a time zone (2026-11-25T10:00:00Z)`,
        k,
        'invalid_parameter',
      );
  }
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const k = cutText(issue.keys[0] ?? '', 64);
    throw new BadRequestError(`unknown query parameter "${k}"`, k, 'invalid_parameter');
  }
  const field = issue.path.map(String).join('.');
  const given = issue.path.length === 1 ? (query as Record<string, unknown> | undefined)?.[field] : null;
  if (given === undefined)
    throw new BadRequestError(`query parameter "${field}" is required`, field, 'invalid_parameter');
  const message =
    issue.code === 'invalid_type' && issue.expected === 'string' ? 'expected a single value' : issue.message;
  throw new BadRequestError(`query parameter "${field}": ${message}`, field, 'invalid_parameter');
}
