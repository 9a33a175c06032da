import type { z } from 'zod';
import { BadRequestError } from '../lib/errors.js';
import { maskPans } from '../lib/pan.js';

/** Validates query parameters; the first problem becomes a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const k = maskPans((issue.keys[0] ?? '').slice(0, 64));
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
