import { INGEST_LIMITS, type IngestResponse } from '@paywatch/contracts';
import express, { Router } from 'express';
import type { Ingestor } from '../../pipeline/types.js';
import { createInflightLimit } from '../../lib/inflight-limit.js';
import { limitChunkedBody } from '../../lib/json-body.js';
import { parseEventsBody } from './parse-body.js';

/** Default bytes of events-API bodies held at once (`PAYWATCH_INGEST_INFLIGHT_MB`): 16 full-size (8 MiB) batches. */
const DEFAULT_INGEST_INFLIGHT_BYTES = 128 * 1024 * 1024;

/**
 * `POST /v1/events`: the events API source. (Auth and rate limits: the access-control
 * middleware, from this route's doc.) In-flight bytes limit → body limit → parse → pipeline. Responds
 * only after accepted events are durable. 200 when anything was accepted or was a duplicate;
 * 400 (same body) when every event was rejected.
 */
export function createEventsRouter(
  deps: { ingestor: Ingestor },
  config: { inflightBytes?: number } = {},
): Router {
  const router = Router();
  router.post(
    '/v1/events',
    createInflightLimit({
      budgetBytes: config.inflightBytes ?? DEFAULT_INGEST_INFLIGHT_BYTES,
      maxBodyBytes: INGEST_LIMITS.maxBodyBytes,
      what: 'ingest bytes',
      setting: 'PAYWATCH_INGEST_INFLIGHT_MB',
    }),
    limitChunkedBody(
      express.raw({ type: () => true, limit: INGEST_LIMITS.maxBodyBytes, inflate: true }),
      INGEST_LIMITS.maxBodyBytes,
    ),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const parsed = parseEventsBody(body, req.headers['content-type']);
      const outcome = await deps.ingestor.ingest(parsed.items, { source: 'api' });
      const parseFailed = new Set(parsed.errors.map((e) => e.index));
      const lines = parsed.lines;
      const errors = [...parsed.errors, ...outcome.errors.filter((e) => !parseFailed.has(e.index))]
        .sort((a, b) => a.index - b.index)
        // NDJSON: the body line too, as `index` skips blank lines.
        .map((e) => (lines === undefined ? e : { ...e, line: lines[e.index] ?? e.index + 1 }));
      const response: IngestResponse = {
        accepted: outcome.accepted,
        duplicate: outcome.duplicate,
        rejected: outcome.rejected,
        errors,
      };
      res.status(outcome.accepted + outcome.duplicate === 0 ? 400 : 200).json(response);
    },
  );
  return router;
}
