import { Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/access-control.js';
import type { RouteDoc } from '../http/route-doc.js';
import { BadRequestError } from '../lib/errors.js';
import { createJsonBody } from '../lib/json-body.js';
import type { DataLifecycle } from './lifecycle.js';

const EraseSchema = z.object({
  customer_id: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('The raw customer id as the payment events carried it (hashed here with the same key).'),
  customer_ref: z.string().max(200).optional().describe('Or the stored keyed hash itself.'),
});
const errors = {
  400: 'Invalid body.',
  401: 'Not signed in.',
  403: 'Not an admin, or a missing CSRF token.',
  503: 'The store is unreachable.',
};

export const LIFECYCLE_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/admin/erase',
    tag: 'admin',
    auth: 'admin',
    summary: "Erase one customer's payment events (GDPR art. 17)",
    description:
      'Deletes every stored event whose customer_ref is the keyed hash of the given id, removes them from the local backup directory, and records the hash so that restores skip it. Audited (the audit entry names the hash, never the raw id).',
    body: { schema: EraseSchema, contentTypes: ['application/json'], description: 'Whom to erase' },
    response: {
      status: 200,
      schema: z.object({
        customer_ref: z.string(),
        deleted: z.number().int(),
        deleted_from_backup: z.number().int(),
      }),
      description: 'What was deleted',
    },
    errors: {
      ...errors,
      413: 'The body is over 4 KiB (answered as soon as it is known — a `Content-Length` over it, or a chunked body passing it — and the connection closed).',
    },
  },
  {
    method: 'post',
    path: '/api/admin/backup',
    tag: 'admin',
    auth: 'admin',
    summary: 'Run an incremental backup into PAYWATCH_BACKUP_DIR now',
    response: {
      status: 200,
      schema: z.object({
        kind: z.enum(['full', 'incremental']),
        fromDay: z.string().nullable(),
        days: z.array(z.string()),
        events: z.number().int(),
      }),
      description: 'Days written',
    },
    errors: { ...errors, 400: 'No backup directory configured.' },
  },
  {
    method: 'post',
    path: '/api/admin/retention',
    tag: 'admin',
    auth: 'admin',
    summary: 'Apply the retention periods now (also runs hourly)',
    response: {
      status: 200,
      schema: z.object({ events: z.number().int(), audit: z.number().int() }),
      description: 'Rows deleted',
    },
    errors,
  },
];

/** Admin routes of the data lifecycle; authorization comes from the route table. */
export function createLifecycleRouter(deps: { lifecycle: DataLifecycle }): Router {
  const r = Router();
  r.post('/api/admin/erase', createJsonBody(4 * 1024), async (req, res) => {
    const b = EraseSchema.safeParse(req.body);
    if (!b.success)
      throw new BadRequestError(
        b.error.issues[0]?.message ?? 'invalid body',
        b.error.issues[0]?.path.join('.'),
      );
    res.json(
      await deps.lifecycle.eraseCustomer(
        {
          ...(b.data.customer_id !== undefined ? { customerId: b.data.customer_id } : {}),
          ...(b.data.customer_ref !== undefined ? { customerRef: b.data.customer_ref } : {}),
        },
        { principal: principalOf(res), ip: req.ip ?? null },
      ),
    );
  });
  r.post('/api/admin/backup', async (req, res) => {
    res.json(await deps.lifecycle.backup({ principal: principalOf(res), ip: req.ip ?? null }));
  });
  r.post('/api/admin/retention', async (_req, res) => {
    res.json(await deps.lifecycle.runRetention());
  });
  return r;
}
