import {
  FAILURE_CATEGORIES,
  PROVIDERS,
  type CardBrand,
  type FailureCategory,
  type Provider,
} from '@paywatch/contracts';

/**
 * Incidents the simulator can inject, and the `--incident` syntax:
 *
 *   TYPE[:ARG][@START][/DURATION]
 *
 *   provider-outage[:PROVIDER]   most attempts on PROVIDER (default stripe) fail with
 *                                provider_error / timeout / network_error
 *   latency-spike[:PROVIDER]     PROVIDER's latency (default stripe) is 5–10× higher
 *   card-testing[:BIN]           a burst of small, mostly declined attempts on one BIN from one
 *                                device and IP (default BIN 453201)
 *   decline-shift[:FROM>TO]      most FROM declines (default do_not_honor) become TO
 *                                (default fraud_suspected); the total decline rate is unchanged
 *
 *   START     +DURATION relative to the start of the run (or of --from in file mode), or an
 *             RFC 3339 time; default +1m
 *   DURATION  e.g. 90s, 5m, 1h30m, 2d; default 5m
 *
 * Examples: `provider-outage:adyen@+2m/10m`, `card-testing@2026-03-01T12:00:00Z/15m`.
 */
export type Incident =
  | { type: 'provider-outage'; provider: Provider; start: number; end: number }
  | { type: 'latency-spike'; provider: Provider; start: number; end: number }
  | { type: 'card-testing'; bin: string; start: number; end: number }
  | { type: 'decline-shift'; from: FailureCategory; to: FailureCategory; start: number; end: number };

export type IncidentType = Incident['type'];
export const INCIDENT_TYPES: readonly IncidentType[] = [
  'provider-outage',
  'latency-spike',
  'card-testing',
  'decline-shift',
];

/** Thrown for a malformed `--incident`, duration or time; the message names the bad part. */
export class SimulatorOptionError extends Error {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'SimulatorOptionError';
    this.option = option;
  }
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses `90s`, `5m`, `1h30m`, `2d`, `250ms` into milliseconds; NaN when malformed. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  return s.length > 0 && pos === s.length ? total : NaN;
}

/**
 * Parses a point in time: `now`, `+DURATION` / `-DURATION` relative to `base`, epoch ms, or
 * RFC 3339. NaN when malformed.
 */
export function parseTime(s: string, base: number): number {
  if (s === 'now') return base;
  if (s.startsWith('+') || s.startsWith('-')) {
    const d = parseDuration(s.slice(1));
    return Number.isNaN(d) ? NaN : base + (s.startsWith('-') ? -d : d);
  }
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2}))?$/.test(s)) return NaN;
  return Date.parse(s);
}

const DEFAULT_START_MS = 60_000;
const DEFAULT_DURATION_MS = 5 * 60_000;

/** Parses one `--incident` value; `base` is what relative starts are relative to. */
export function parseIncident(spec: string, base: number): Incident {
  const bad = (msg: string) =>
    new SimulatorOptionError('--incident', `${msg} in "${spec}" (expected TYPE[:ARG][@START][/DURATION])`);
  const m = /^([a-z-]+)(?::([^@/]+))?(?:@([^/]+))?(?:\/(.+))?$/.exec(spec.trim());
  if (!m) throw bad('cannot parse');
  const [, type, arg, startRaw, durRaw] = m;
  const start = startRaw === undefined ? base + DEFAULT_START_MS : parseTime(startRaw, base);
  if (Number.isNaN(start)) throw bad(`bad start "${startRaw}"`);
  const dur = durRaw === undefined ? DEFAULT_DURATION_MS : parseDuration(durRaw);
  if (Number.isNaN(dur) || dur <= 0) throw bad(`bad duration "${durRaw}"`);
  const end = start + dur;
  switch (type) {
    case 'provider-outage':
    case 'latency-spike': {
      const provider = (arg ?? 'stripe').toLowerCase();
      if (!(PROVIDERS as readonly string[]).includes(provider)) {
        throw bad(`unknown provider "${arg}" (one of ${PROVIDERS.join(', ')})`);
      }
      return { type, provider: provider as Provider, start, end };
    }
    case 'card-testing': {
      const bin = arg ?? '453201';
      if (!/^\d{6,8}$/.test(bin)) throw bad(`BIN must be 6 to 8 digits, got "${bin}"`);
      return { type, bin, start, end };
    }
    case 'decline-shift': {
      const [from = 'do_not_honor', to = 'fraud_suspected'] = arg ? arg.split('>') : [];
      for (const c of [from, to]) {
        if (!(FAILURE_CATEGORIES as readonly string[]).includes(c)) {
          throw bad(`unknown failure category "${c}" (one of ${FAILURE_CATEGORIES.join(', ')})`);
        }
      }
      if (from === to) throw bad('FROM and TO must differ');
      return { type, from: from as FailureCategory, to: to as FailureCategory, start, end };
    }
    default:
      throw bad(`unknown incident type "${type}" (one of ${INCIDENT_TYPES.join(', ')})`);
  }
}

/** Brand of a BIN by its leading digits (for the card-testing burst's card object). */
export function brandOfBin(bin: string): CardBrand {
  const two = Number(bin.slice(0, 2));
  const four = Number(bin.slice(0, 4));
  if (bin.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (four >= 3528 && four <= 3589) return 'jcb';
  if (bin.startsWith('62')) return 'unionpay';
  if (bin.startsWith('6011') || bin.startsWith('65') || /^64[4-9]/.test(bin)) return 'discover';
  return 'other';
}

/** Human description of an incident window (for logs and `--json`). */
export function describeIncident(i: Incident): string {
  const arg =
    i.type === 'card-testing' ? i.bin : i.type === 'decline-shift' ? `${i.from}>${i.to}` : i.provider;
  return `${i.type}:${arg} ${new Date(i.start).toISOString()} → ${new Date(i.end).toISOString()}`;
}
