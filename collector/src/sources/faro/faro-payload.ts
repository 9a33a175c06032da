import { createHash } from 'node:crypto';
import { jsonDepth } from '@paywatch/contracts';
import { z } from 'zod';
import { maskPanNumber } from '../../lib/pan.js';
import { isSensitiveField } from '../../lib/sensitive-keys.js';
import type { RumRecord } from './rum.js';

const ts = z.string().max(64);

/** Deepest nesting accepted inside an attributes/context value (the SDK sends flat strings). */
export const FARO_MAX_ATTRIBUTE_DEPTH = 8;

// Depth bounded (contracts' jsonDepth stops past the limit): a hostile beacon nested thousands of
// levels deep would otherwise overflow the stack when the record is serialized (a 500).
const strRecord = z
  .record(z.string().max(128), z.unknown())
  .refine((r) => jsonDepth(r, FARO_MAX_ATTRIBUTE_DEPTH) <= FARO_MAX_ATTRIBUTE_DEPTH, {
    message: `nested deeper than ${FARO_MAX_ATTRIBUTE_DEPTH} levels`,
  })
  .optional();

/**
 * What @grafana/faro-web-sdk's fetch transport posts (`getTransportBody`): `meta` plus arrays of
 * events, measurements, exceptions and logs (traces are accepted and ignored). Unknown fields are
 * allowed: the SDK adds fields between versions.
 */
export const FaroPayloadSchema = z.looseObject({
  meta: z
    .looseObject({
      app: z
        .looseObject({
          name: z.string().optional(),
          version: z.string().optional(),
          environment: z.string().optional(),
        })
        .optional(),
      session: z.looseObject({ id: z.string().optional() }).optional(),
      page: z.looseObject({ url: z.string().optional() }).optional(),
      view: z.looseObject({ name: z.string().optional() }).optional(),
      browser: z.looseObject({ name: z.string().optional(), mobile: z.boolean().optional() }).optional(),
    })
    .optional(),
  events: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        timestamp: ts.optional(),
        domain: z.string().optional(),
        attributes: strRecord,
      }),
    )
    .max(1000)
    .optional(),
  measurements: z
    .array(
      z.looseObject({
        type: z.string(),
        values: z.record(z.string(), z.unknown()),
        timestamp: ts.optional(),
        context: strRecord,
      }),
    )
    .max(1000)
    .optional(),
  exceptions: z
    .array(
      z.looseObject({
        type: z.string(),
        value: z.string(),
        timestamp: ts.optional(),
        stacktrace: z
          .looseObject({
            frames: z
              .array(
                z.looseObject({
                  filename: z.string().optional(),
                  function: z.string().optional(),
                  lineno: z.number().optional(),
                }),
              )
              .optional(),
          })
          .optional(),
        context: strRecord,
      }),
    )
    .max(1000)
    .optional(),
  logs: z
    .array(
      z.looseObject({
        message: z.string(),
        level: z.string().optional(),
        timestamp: ts.optional(),
        context: strRecord,
      }),
    )
    .max(1000)
    .optional(),
});
export type FaroPayload = z.infer<typeof FaroPayloadSchema>;

const MAX_TEXT = 1024;
const MAX_ATTRS = 50;

/** Only origin and path of a page URL: query strings and fragments often carry tokens or PII. */
export function pageUrlOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Every string of a beacon, object keys included, through `maskText`. Done first, on the whole
 * payload: a card number typed into a form can reach any field (a page path, an event or field
 * name, a session or app id), and the length cuts below must never split one that is still raw.
 */
function maskPayload(v: unknown, maskText: (s: string) => string): unknown {
  if (typeof v === 'string') return maskText(v);
  if (typeof v === 'number') return maskPanNumber(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => maskPayload(x, maskText));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[maskText(k)] = maskPayload(x, maskText);
  return out;
}

/** Attributes as bounded strings (`a` is already masked by `maskPayload`). */
function attrs(a: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a ?? {}).slice(0, MAX_ATTRS)) {
    if (isSensitiveField(k, v)) continue;
    const s =
      typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : (JSON.stringify(v) ?? '');
    out[k.slice(0, 128)] = s.slice(0, 512);
  }
  return out;
}

/** Turns one Faro payload into masked, bounded RUM records (web vitals as one record per metric). */
export function toRumRecords(
  payload: FaroPayload,
  receivedAt: number,
  maskText: (s: string) => string,
): RumRecord[] {
  // The page URL keeps origin + path; masked after the query is gone (a masked path would be
  // percent-encoded by URL), before its length cut.
  const pageUrl = pageUrlOf(payload.meta?.page?.url);
  const p = maskPayload(payload, maskText) as FaroPayload;
  const session = p.meta?.session?.id?.slice(0, 128) ?? null;
  const base = {
    session_id: session,
    app_name: p.meta?.app?.name?.slice(0, 128) ?? null,
    app_version: p.meta?.app?.version?.slice(0, 64) ?? null,
    page_url: pageUrl === null ? null : maskText(pageUrl).slice(0, 512),
  };
  const time = (t: string | undefined): number => {
    const ms = t === undefined ? Number.NaN : Date.parse(t);
    // Browser clocks drift: keep the browser time unless it is absent or absurd (over a day off).
    return Number.isFinite(ms) && Math.abs(ms - receivedAt) < 86_400_000 ? ms : receivedAt;
  };
  const id = (...parts: (string | number | null | undefined)[]): string =>
    createHash('sha256')
      .update(parts.map((x) => String(x ?? '')).join('\u0000'))
      .digest('hex')
      .slice(0, 32);
  const out: RumRecord[] = [];
  for (const e of p.events ?? []) {
    out.push({
      ...base,
      id: id(session, 'event', e.name, e.timestamp, JSON.stringify(e.attributes ?? {})),
      ts: time(e.timestamp),
      kind: 'event',
      name: e.name.slice(0, 128),
      value: null,
      message: null,
      attributes: attrs({ ...(e.domain ? { domain: e.domain } : {}), ...e.attributes }),
    });
  }
  for (const m of p.measurements ?? []) {
    for (const [k, v] of Object.entries(m.values)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const name = m.type === 'web-vitals' ? k : `${m.type}.${k}`;
      out.push({
        ...base,
        id: id(session, 'measurement', name, m.timestamp, v),
        ts: time(m.timestamp),
        kind: 'measurement',
        name: name.slice(0, 128),
        value: v,
        message: null,
        attributes: attrs(m.context),
      });
    }
  }
  for (const x of p.exceptions ?? []) {
    const top = x.stacktrace?.frames?.[0];
    out.push({
      ...base,
      id: id(session, 'exception', x.type, x.timestamp, x.value),
      ts: time(x.timestamp),
      kind: 'exception',
      name: x.type.slice(0, 128),
      value: null,
      message: x.value.slice(0, MAX_TEXT),
      attributes: attrs({
        ...x.context,
        ...(top?.filename ? { frame: `${top.filename}:${top.lineno ?? ''}` } : {}),
      }),
    });
  }
  for (const l of p.logs ?? []) {
    out.push({
      ...base,
      id: id(session, 'log', l.level, l.timestamp, l.message),
      ts: time(l.timestamp),
      kind: 'log',
      name: (l.level ?? 'info').slice(0, 16),
      value: null,
      message: l.message.slice(0, MAX_TEXT),
      attributes: attrs(l.context),
    });
  }
  return out;
}
