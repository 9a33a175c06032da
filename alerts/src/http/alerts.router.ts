import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { AlertEngine, AlertView } from '../engine/engine.js';
import { parseDuration } from '../lib/duration.js';
import { matchesAll, parseMatcher } from '../mute/matchers.js';
import type { Matcher } from '../mute/matchers.js';
import { MAX_SILENCE_MS, MAX_SILENCE_TEXT, silenceState } from '../mute/silences.js';
import type { Silence } from '../mute/silences.js';
import { AlertListQuerySchema, DeliveryListQuerySchema } from './alerts.schemas.js';

/** What the alerts HTTP API needs. */
export interface AlertsRouterDeps {
  engine: AlertEngine;
  /**
   * ISO 4217 code `revenue_at_risk` is in (the engine's reporting currency); every alert the API
   * returns carries it as `revenue_at_risk_currency`.
   */
  reportingCurrency?: string;
  /** Wall clock (silence defaults). */
  now?: () => number;
}

/** The largest JSON body read (the hosts' parsers use the same limit: 64 KiB). */
const BODY_LIMIT = 64 * 1024;

/** An API error in the collector's response shape: `{error: {code, message, field?}}`. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

// Queries are strict like the collector's read API: a misspelt parameter is a 400 naming it, not an unfiltered answer.
const ListQuery = AlertListQuerySchema;
const AckBody = z.strictObject({
  by: z.string().trim().min(1).max(128),
  /** Why (shown with the acknowledgement in the API, the live stream and the audit log). */
  reason: z.string().trim().max(500).optional(),
});
/** `DELETE /alerts/:id/ack`: who withdraws it (a host stamps the caller, as for acknowledgements). */
const UnackBody = z.object({ by: z.string().trim().min(1).max(128).optional() });
const SilenceBody = z
  .strictObject({
    matchers: z.array(z.string()).min(1),
    starts_at: z.number().int().optional(),
    ends_at: z.number().int().optional(),
    /** Alternative to ends_at: "2h", "30m". */
    duration: z.string().optional(),
    created_by: z.string().trim().min(1).max(128),
    comment: z.string().trim().min(1).max(1024),
  })
  .refine((b) => b.ends_at !== undefined || b.duration !== undefined, {
    message: 'ends_at or duration is required',
    path: ['ends_at'],
  });
const DeliveriesQuery = DeliveryListQuerySchema;

/**
 * Validates a body (`what` = field) or a query; the first problem is a 400 naming its field.
 * Query problems use the collector read API's code `invalid_parameter`; body problems `bad_request`.
 */
function parse<T>(schema: z.ZodType<T>, v: unknown, what: 'field' | 'query parameter' = 'field'): T {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const code = what === 'query parameter' ? 'invalid_parameter' : 'bad_request';
  const i = r.error.issues[0];
  if (i?.code === 'unrecognized_keys') {
    const k = (i.keys[0] ?? '').slice(0, 64);
    throw new ApiError(400, code, `unknown ${what} "${k}"`, k);
  }
  throw new ApiError(400, code, i?.message ?? 'invalid request', i?.path.join('.') || undefined);
}

/** A page position: the last alert's episode start and id (opaque to clients). */
interface Cursor {
  since: number;
  id: string;
}
const encodeCursor = (c: Cursor): string =>
  Buffer.from(JSON.stringify([c.since, c.id])).toString('base64url');
const writeCursor = (a: AlertView): string => encodeCursor({ since: a.active_since ?? 0, id: a.id });
function readCursor(c: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    // Only what writeCursor wrote, byte for byte: Buffer skips characters outside base64url, so
    // `<cursor>!!` or a hand-made `[1,"a",3]` read as a position.
    if (Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === 'string') {
      const at = { since: v[0] as number, id: v[1] };
      if (encodeCursor(at) === c) return at;
    }
  } catch {
    // answered below
  }
  throw new ApiError(400, 'invalid_parameter', 'cursor is not a next_cursor of this API', 'cursor');
}
/** Whether `a` comes after the cursor in the list's order (active_since descending, then id). */
const isAfter = (a: Pick<AlertView, 'active_since' | 'id'>, c: Cursor): boolean => {
  const since = a.active_since ?? 0;
  return since < c.since || (since === c.since && a.id > c.id);
};

/**
 * The alerts HTTP API (Express 5 Router; mount it under e.g. `/api/v1`):
 *   GET  /alerts                 ?status=active|firing|…&rule=&severity=&filter=&limit=&cursor=
 *   GET  /alerts/:id
 *   POST /alerts/:id/ack         {by, reason?}   (409 unless pending or firing; the first acknowledgement stands)
 *   DELETE /alerts/:id/ack       withdraw it (409 unless acknowledged, pending or firing); reminders and escalation resume
 *   GET  /silences
 *   POST /silences               {matchers:["provider=\"adyen\""], ends_at|duration, created_by, comment, starts_at?}
 *   DELETE /silences/:id         expire now (409 when already ended)
 *   GET  /alerts-deliveries      ?limit=&receiver=&status=sent|failed&alert=   (the delivery log)
 *   GET  /receivers
 *   POST /receivers/:name/test   send a test notification
 *   GET  /alerts-stats
 * JSON bodies need `express.json()` upstream (the router adds it if absent); a body of another
 * content type is a 415, one over 64 KiB a 413. Unknown query parameters are a 400 naming them.
 * Errors answer `{error: {code, message, field?}}` with 400/404/409/413/415; answers are described by alerts.schemas.ts.
 */
export function createAlertsRouter(deps: AlertsRouterDeps): Router {
  const { engine } = deps;
  const now = deps.now ?? Date.now;
  const r = Router();
  r.use((req, res, next) => {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) return next();
    // A body that is not declared JSON (text/plain, a form) is never parsed, so it read as an empty
    // object: "expected array, received undefined". Checked on the header, not on req.body, because
    // a host may have replaced the body already (the collector stamps the actor). An empty body
    // (`content-length: 0`, as fetch sends for a body-less POST) has no type to check.
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && req.is('application/json') === false)
      return next(new ApiError(415, 'unsupported_media_type', 'send the body as application/json'));
    // Accept JSON bodies even when the host app did not install a parser for this path.
    if (req.body !== undefined) return next();
    // Over the limit: a 413 and the connection closed, at once for a declared length (not after
    // the whole upload), when the limit is passed for a chunked one (it was cut without an answer).
    const tooLarge = () => {
      res.setHeader('Connection', 'close');
      next(new ApiError(413, 'payload_too_large', `request body exceeds the limit of ${BODY_LIMIT} bytes`));
    };
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) return void chunks.push(c);
      req.off('data', onData).off('end', onEnd).resume();
      tooLarge();
    };
    const onEnd = () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        req.body = raw ? (JSON.parse(raw) as unknown) : {};
        next();
      } catch {
        next(new ApiError(400, 'bad_request', 'body is not valid JSON'));
      }
    };
    req.on('data', onData).on('end', onEnd);
  });

  // Revenue at risk is a sum in the reporting currency: a bot cannot print it without the code.
  const currency = deps.reportingCurrency ?? 'USD';
  const out = (a: AlertView) => ({ ...a, revenue_at_risk_currency: currency });
  r.get('/alerts', (req, res) => {
    const { filter, cursor, limit = 500, ...q } = parse(ListQuery, req.query, 'query parameter');
    let matchers: Matcher[] = [];
    try {
      matchers = (typeof filter === 'string' ? [filter] : (filter ?? [])).map((m) => parseMatcher(m));
    } catch (e) {
      throw new ApiError(400, 'invalid_parameter', (e as Error).message, 'filter');
    }
    const after = cursor === undefined ? undefined : readCursor(cursor);
    // The engine's order (newest episode first, then id); a page starts after the cursor's alert,
    // so alerts that start meanwhile (at the top) neither shift nor repeat the pages a bot reads.
    // One more than the page tells whether there is a next one; views are built for these only.
    const all = engine.list({
      ...q,
      limit: limit + 1,
      where: (a) =>
        (matchers.length === 0 || matchesAll(matchers, { ...a.labels, ...a.finding_labels })) &&
        (!after || isAfter(a, after)),
    });
    const page = all.slice(0, limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map(out),
      next_cursor: all.length > limit && last ? writeCursor(last) : null,
    });
  });
  r.get('/alerts/:id', (req, res) => {
    const a = engine.get(req.params.id ?? '');
    if (!a) throw new ApiError(404, 'not_found', `no alert ${req.params.id}`);
    res.json(out(a));
  });
  // The alert an acknowledgement (or its withdrawal) is about: 404 when unknown, 409 unless it is
  // pending or firing (`only a pending or firing ${what}`).
  const activeAlert = (id: string, what: string) => {
    const cur = engine.get(id);
    if (!cur) throw new ApiError(404, 'not_found', `no alert ${id}`);
    if (cur.status !== 'pending' && cur.status !== 'firing')
      throw new ApiError(409, 'conflict', `alert ${id} is ${cur.status}: only a pending or firing ${what}`);
    return cur;
  };
  r.post('/alerts/:id/ack', (req, res) => {
    const b = parse(AckBody, req.body);
    const id = req.params.id ?? '';
    // Only an active alert has reminders and escalation to stop: acknowledging a resolved one
    // answered 200 and showed it "acknowledged by" someone who never saw it fire.
    const cur = activeAlert(id, 'alert can be acknowledged');
    // The first acknowledgement stands: a second one (another engineer clicking in chat) replaced
    // who and when, so the resolve credited the later click. Answered with the alert as it is.
    if (cur.acknowledged_by !== null) return void res.json(out(cur));
    const a = engine.acknowledge(id, b.by, b.reason || null);
    if (!a) throw new ApiError(404, 'not_found', `no alert ${id}`);
    res.json(out(a));
  });
  r.delete('/alerts/:id/ack', (req, res) => {
    // No body of its own: the host stamps the caller as `by` (the collector, `paywatch alerts`).
    const b = parse(UnackBody, req.body ?? {});
    const id = req.params.id ?? '';
    // An ended episode has no reminders or escalation to resume: withdrawing its acknowledgement
    // only took "acknowledged by" off its record (and its resolve, if not yet sent).
    const cur = activeAlert(id, "alert's acknowledgement can be withdrawn");
    if (cur.acknowledged_by === null)
      throw new ApiError(409, 'conflict', `alert ${id} is not acknowledged: nothing to withdraw`);
    const a = engine.unacknowledge(id, b.by ?? 'anonymous');
    if (!a) throw new ApiError(404, 'not_found', `no alert ${id}`);
    res.json(out(a));
  });
  // Its state now, as Alertmanager's status.state: a client had to compare starts_at/ends_at with its own clock.
  const silenceOut = (s: Silence) => ({ ...s, state: silenceState(s, now()) });
  r.get('/silences', (_req, res) => {
    res.json({ items: engine.silences().map(silenceOut) });
  });
  r.post('/silences', (req, res) => {
    const b = parse(SilenceBody, req.body);
    let matchers;
    try {
      matchers = b.matchers.map((m) => parseMatcher(m));
    } catch (e) {
      throw new ApiError(400, 'bad_request', (e as Error).message, 'matchers');
    }
    const starts = b.starts_at ?? now();
    let ends = b.ends_at;
    if (ends === undefined) {
      try {
        ends = starts + parseDuration(b.duration ?? '');
      } catch (e) {
        throw new ApiError(400, 'bad_request', (e as Error).message, 'duration');
      }
    }
    // The field that set the end: the one a refusal of it names.
    const timeField = b.ends_at === undefined ? 'duration' : 'ends_at';
    // A silence ends at most MAX_SILENCE_MS from now (a later starts_at does not stretch it).
    if (ends - now() > MAX_SILENCE_MS)
      throw new ApiError(
        400,
        'bad_request',
        `${timeField}: a silence may last at most ${MAX_SILENCE_TEXT} from now; create a new one when it ends`,
        timeField,
      );
    // Refused by the registry too, but without a field: the error named nothing to fix.
    if (!(ends > starts))
      throw new ApiError(400, 'bad_request', `${timeField}: the silence must end after it starts`, timeField);
    if (matchesAll(matchers, {}))
      throw new ApiError(
        400,
        'bad_request',
        'these matchers match every alert (each also matches an empty label): add one that needs a value, e.g. provider="adyen"',
        'matchers',
      );
    try {
      res.status(201).json(
        silenceOut(
          engine.createSilence({
            matchers,
            starts_at: starts,
            ends_at: ends,
            created_by: b.created_by,
            comment: b.comment,
          }),
        ),
      );
    } catch (e) {
      throw new ApiError(400, 'bad_request', (e as Error).message);
    }
  });
  r.delete('/silences/:id', (req, res) => {
    const id = req.params.id ?? '';
    const s = engine.silences().find((x) => x.id === id);
    if (!s) throw new ApiError(404, 'not_found', `no silence ${id}`);
    // Expiring it again answered 204 as if this call had ended it (two operators each told "expired").
    if (silenceState(s, now()) === 'expired')
      throw new ApiError(
        409,
        'conflict',
        `silence ${id} already expired at ${new Date(s.ends_at).toISOString()}`,
      );
    engine.expireSilence(id);
    res.status(204).end();
  });
  r.get('/alerts-deliveries', (req, res) => {
    res.json({ items: engine.deliveries(parse(DeliveriesQuery, req.query, 'query parameter')) });
  });
  r.get('/receivers', (_req, res) => {
    res.json({ items: engine.receivers() });
  });
  r.post('/receivers/:name/test', async (req, res) => {
    const name = req.params.name ?? '';
    if (!engine.receivers().includes(name)) throw new ApiError(404, 'not_found', `no receiver ${name}`);
    const out = await engine.testReceiver(name);
    res.status(out.ok ? 200 : 502).json(out);
  });
  r.get('/alerts-stats', (_req, res) => {
    res.json(engine.stats());
  });
  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof ApiError)) return next(err);
    res
      .status(err.status)
      .json({ error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
  });
  return r;
}
