/** What a RUM record came from in the Faro payload. */
export type RumKind = 'event' | 'measurement' | 'exception' | 'log';

/**
 * One browser observation stored for querying: a custom event (`checkout_viewed`…), a measurement
 * (web vitals: `lcp`, `cls`, `inp`, `fcp`, `ttfb`; custom: `<type>.<key>`), an exception or a log.
 * Text is masked (card numbers, e-mails, phones, IPv4 addresses; every string of the beacon, keys included) and bounded; page URLs keep origin and path only.
 */
export interface RumRecord {
  /** Deterministic per item, so a retried beacon does not double count. */
  id: string;
  ts: number;
  kind: RumKind;
  name: string;
  value: number | null;
  message: string | null;
  session_id: string | null;
  app_name: string | null;
  app_version: string | null;
  page_url: string | null;
  attributes: Record<string, string>;
}

/** Where RUM records go (a RUM table in the store; the composition root provides it). */
export interface RumWriter {
  /** Resolves once stored; records whose id is already stored are ignored. */
  writeRum(records: readonly RumRecord[]): Promise<void>;
}

/** A funnel step: an event name, optionally with required attribute values (`payment_result[status=succeeded]`). */
export interface FunnelStep {
  event: string;
  where?: Record<string, string>;
}

/** Parses `name` or `name[attr=value,attr2=value2]`. */
export function parseFunnelStep(spec: string): FunnelStep {
  const m = /^([^[\]]+)(?:\[(.*)\])?$/.exec(spec.trim());
  if (!m) throw new RangeError(`bad funnel step "${spec}"`);
  const where = m[2]
    ? Object.fromEntries(
        m[2].split(',').map((kv) => {
          const eq = kv.indexOf('=');
          if (eq < 1) throw new RangeError(`bad funnel condition "${kv}" in "${spec}"`);
          return [kv.slice(0, eq).trim(), kv.slice(eq + 1).trim()];
        }),
      )
    : undefined;
  return { event: (m[1] ?? '').trim(), ...(where ? { where } : {}) };
}

export const CHECKOUT_FUNNEL: readonly FunnelStep[] = [
  { event: 'checkout_viewed' },
  { event: 'payment_submitted' },
  { event: 'payment_result', where: { status: 'succeeded' } },
];

export interface FunnelResult {
  steps: {
    step: string;
    sessions: number;
    conversion_from_previous: number | null;
    conversion_from_first: number | null;
  }[];
}

const matches = (r: RumRecord, s: FunnelStep): boolean =>
  r.kind === 'event' &&
  r.name === s.event &&
  Object.entries(s.where ?? {}).every(([k, v]) => r.attributes[k] === v);

/**
 * Ordered funnel over sessions: a session reaches step i when it has a matching event at or after
 * the time it reached step i−1. Records without a session are ignored.
 */
export function computeFunnel(records: readonly RumRecord[], steps: readonly FunnelStep[]): FunnelResult {
  const bySession = new Map<string, RumRecord[]>();
  for (const r of records) {
    if (r.kind !== 'event' || r.session_id === null) continue;
    const list = bySession.get(r.session_id);
    if (list) list.push(r);
    else bySession.set(r.session_id, [r]);
  }
  const reached = steps.map(() => 0);
  for (const events of bySession.values()) {
    events.sort((a, b) => a.ts - b.ts);
    let at = Number.NEGATIVE_INFINITY;
    for (const [i, step] of steps.entries()) {
      const hit = events.find((e) => e.ts >= at && matches(e, step));
      if (!hit) break;
      reached[i] = (reached[i] ?? 0) + 1;
      at = hit.ts;
    }
  }
  const label = (s: FunnelStep): string =>
    s.where
      ? `${s.event}[${Object.entries(s.where)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}]`
      : s.event;
  return {
    steps: steps.map((s, i) => {
      const n = reached[i] ?? 0;
      const prev = i === 0 ? null : (reached[i - 1] ?? 0);
      const first = reached[0] ?? 0;
      return {
        step: label(s),
        sessions: n,
        conversion_from_previous: prev === null ? null : prev === 0 ? null : n / prev,
        conversion_from_first: first === 0 ? null : n / first,
      };
    }),
  };
}
