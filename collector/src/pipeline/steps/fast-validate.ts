import {
  CARD_BRANDS,
  CARD_FUNDING,
  CARD_WALLETS,
  CHANNELS,
  ENUM_ALIASES,
  EVENT_LIMITS,
  EVENT_VERSION,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  RFC3339,
  STATUSES,
  canonicalEnum,
  isCountry,
  isCurrency,
  isWellFormed,
  type PaymentEventInput,
  type PaymentEventInputSchema,
} from '@paywatch/contracts';

/**
 * A hand-written check of the common, valid shape of `PaymentEventInputSchema` (the zod
 * contract), about 10× cheaper than zod on the ingest hot path. It returns exactly what
 * `PaymentEventInputSchema.parse` returns (same values, same trimming, keys in schema order, an
 * optional key given as `undefined` kept as `undefined`) — or `undefined` whenever it is not
 * sure, in which case the caller runs zod, which stays the authority and the only source of
 * error messages. It never accepts what zod refuses: `fast-validate.test.ts` checks that on
 * generated valid and invalid events. When the contract changes, change this file with it
 * (the test fails until both agree).
 */
export function fastValidateEvent(input: unknown): PaymentEventInput | undefined {
  if (input === null || typeof input !== 'object' || !isPlain(input)) return undefined;
  const o = input as Record<string, unknown>;
  // Unknown keys are refused by the strict schema: let zod name them.
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) if (TOP_KEYS[keys[i]!] !== true) return undefined;
  // Unrolled in schema order (the key order of zod's output); named property access keeps
  // V8's inline caches monomorphic for the usual JSON shape.
  const out: Record<string, unknown> = {};
  let v: unknown;
  if ((v = o.v) !== undefined) {
    if (v !== EVENT_VERSION) return undefined;
    out.v = v;
  } else if (hasOwn(o, 'v')) out.v = undefined;
  if ((v = id(o.event_id)) === FAIL) return undefined;
  out.event_id = v;
  if ((v = ts(o.ts)) === FAIL) return undefined;
  out.ts = v;
  if ((v = id(o.payment_id)) === FAIL) return undefined;
  out.payment_id = v;
  if ((v = o.attempt) !== undefined) {
    if (!isInt(v, 1, 1000)) return undefined;
    out.attempt = v;
  } else if (hasOwn(o, 'attempt')) out.attempt = undefined;
  if ((v = id(o.merchant_id)) === FAIL) return undefined;
  out.merchant_id = v;
  if ((v = provider(o.provider)) === FAIL) return undefined;
  out.provider = v;
  if ((v = method(o.method)) === FAIL) return undefined;
  out.method = v;
  if ((v = o.channel) !== undefined) {
    if (channel(v) === FAIL) return undefined;
    out.channel = v;
  } else if (hasOwn(o, 'channel')) out.channel = undefined;
  if ((v = status(o.status)) === FAIL) return undefined;
  out.status = v;
  if (!isInt((v = o.amount_minor), 0, Number.MAX_SAFE_INTEGER)) return undefined;
  out.amount_minor = v;
  if ((v = currency(o.currency)) === FAIL) return undefined;
  out.currency = v;
  if ((v = o.failure) !== undefined) {
    if ((v = failure(v)) === FAIL) return undefined;
    out.failure = v;
  } else if (hasOwn(o, 'failure')) out.failure = undefined;
  if ((v = o.card) !== undefined) {
    if ((v = card(v)) === FAIL) return undefined;
    out.card = v;
  } else if (hasOwn(o, 'card')) out.card = undefined;
  if ((v = o.country) !== undefined) {
    if (country(v) === FAIL) return undefined;
    out.country = v;
  } else if (hasOwn(o, 'country')) out.country = undefined;
  if ((v = o.latency_ms) !== undefined) {
    if (!isNum(v, 0, 3_600_000)) return undefined;
    out.latency_ms = v;
  } else if (hasOwn(o, 'latency_ms')) out.latency_ms = undefined;
  if ((v = o.customer_ref) !== undefined) {
    if (!isStr(v, 1, 256)) return undefined;
    out.customer_ref = v;
  } else if (hasOwn(o, 'customer_ref')) out.customer_ref = undefined;
  if ((v = o.device_ref) !== undefined) {
    if (!isStr(v, 1, 256)) return undefined;
    out.device_ref = v;
  } else if (hasOwn(o, 'device_ref')) out.device_ref = undefined;
  if ((v = o.ip_ref) !== undefined) {
    if (!isStr(v, 1, 256)) return undefined;
    out.ip_ref = v;
  } else if (hasOwn(o, 'ip_ref')) out.ip_ref = undefined;
  if ((v = o.user_level) !== undefined) {
    if ((v = userLevel(v)) === FAIL) return undefined;
    out.user_level = v;
  } else if (hasOwn(o, 'user_level')) out.user_level = undefined;
  if ((v = o.risk_score) !== undefined) {
    if (!isNum(v, 0, 100)) return undefined;
    out.risk_score = v;
  } else if (hasOwn(o, 'risk_score')) out.risk_score = undefined;
  if ((v = o.metadata) !== undefined) {
    if ((v = metadata(v)) === FAIL) return undefined;
    out.metadata = v;
  } else if (hasOwn(o, 'metadata')) out.metadata = undefined;
  return out as PaymentEventInput;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isNum = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
// Free text must be well formed (no lone UTF-16 surrogate): zod refuses and names the field.
// `isWellFormed` is native (String.prototype.isWellFormed): a one-byte string answers at once.
const isStr = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'string' && v.length >= min && v.length <= max && wellFormedText(v);

/** Returned by a field check that cannot vouch for the value (zod decides). */
const FAIL: unique symbol = Symbol('fail');
type Check = (v: unknown) => unknown;

interface Field {
  key: string;
  check: Check;
}

function isPlain(v: object): boolean {
  if (Array.isArray(v)) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

// Module-local copies: read on every event (an imported binding can cost a property read per
// use, e.g. under vitest's module transform).
const wellFormedText = isWellFormed;
const ID_MAX = EVENT_LIMITS.idMaxLength;
const TEXT_MAX = EVENT_LIMITS.textMaxLength;
const META_DEPTH = EVENT_LIMITS.metadataMaxDepth;
const META_BYTES = EVENT_LIMITS.metadataMaxBytes;

const id: Check = (v) => {
  if (typeof v !== 'string') return FAIL;
  const t = v.trim();
  return t.length >= 1 && t.length <= ID_MAX && wellFormedText(t) ? t : FAIL;
};
const text: Check = (v) => (typeof v === 'string' && v.length <= TEXT_MAX && wellFormedText(v) ? v : FAIL);
const enumLike = (values: readonly string[], aliases: Readonly<Record<string, string>> = {}): Check => {
  const canonical = new Set(values);
  return (v) =>
    typeof v === 'string' && (canonical.has(v) || canonicalEnum(values, aliases, v) !== undefined) ? v : FAIL;
};
const country: Check = (v) => (typeof v === 'string' && isCountry(v.trim().toUpperCase()) ? v : FAIL);
const regex =
  (re: RegExp): Check =>
  (v) =>
    typeof v === 'string' && re.test(v) ? v : FAIL;

const ts: Check = (v) => {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : FAIL;
  return typeof v === 'string' && RFC3339.test(v) ? v : FAIL;
};

/** A strict nested object: every key known, optional fields only, output in schema order. */
function strictObject(fields: readonly Field[]): Check {
  const known: Record<string, true> = Object.create(null) as Record<string, true>;
  for (const f of fields) known[f.key] = true;
  return (v) => {
    if (v === null || typeof v !== 'object' || !isPlain(v)) return FAIL;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) if (known[keys[i]!] !== true) return FAIL;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const x = o[f.key];
      if (x === undefined) {
        if (Object.prototype.hasOwnProperty.call(o, f.key)) out[f.key] = undefined;
        continue;
      }
      const r = f.check(x);
      if (r === FAIL) return FAIL;
      out[f.key] = r;
    }
    return out;
  };
}

function depth(v: unknown, d: number): number {
  if (v === null || typeof v !== 'object') return d;
  // Too deep already: stop (a small body can nest past the call stack).
  if (d > META_DEPTH) return d + 1;
  let max = d + 1;
  for (const child of Object.values(v as Record<string, unknown>)) max = Math.max(max, depth(child, d + 1));
  return max;
}

/** `MetadataSchema`: a plain record (copied, like zod's record), bounded depth and JSON size. */
const metadata: Check = (v) => {
  if (v === null || typeof v !== 'object' || !isPlain(v)) return FAIL;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) {
    // Assigning "__proto__" would set the prototype: leave such oddities to zod.
    if (k === '__proto__') return FAIL;
    out[k] = src[k];
  }
  if (depth(out, 0) > META_DEPTH) return FAIL;
  let json: string;
  try {
    json = JSON.stringify(out);
  } catch {
    return FAIL; // zod would throw the same error; let it
  }
  const max = META_BYTES;
  if (json.length > max || (json.length * 3 > max && Buffer.byteLength(json) > max)) return FAIL;
  // JSON.stringify writes a lone surrogate (in a key or a string) as a `\udXXX` escape; a
  // literal backslash before "ud" also matches, and zod (which walks the values) decides.
  if (json.indexOf('\\ud') !== -1) return FAIL;
  // A nested "__proto__" key is refused by the validate step (the mask step's copy would lose
  // it); a string value "__proto__" also matches, and the slow path decides.
  if (json.indexOf('"__proto__"') !== -1) return FAIL;
  return out;
};

const opt = (key: string, check: Check): Field => ({ key, check });

const provider = enumLike(PROVIDERS, ENUM_ALIASES.provider);
const method = enumLike(METHODS, ENUM_ALIASES.method);
const channel = enumLike(CHANNELS, ENUM_ALIASES.channel);
const status = enumLike(STATUSES, ENUM_ALIASES.status);
const currency: Check = (v) => (typeof v === 'string' && isCurrency(v.trim().toUpperCase()) ? v : FAIL);
const userLevel: Check = (v) => {
  if (typeof v !== 'string') return FAIL;
  const t = v.trim();
  return t.length >= 1 && t.length <= 32 && wellFormedText(t) ? t : FAIL;
};
const failure = strictObject([
  opt('category', enumLike(FAILURE_CATEGORIES)),
  opt('code', (v) => (typeof v === 'number' ? (Number.isFinite(v) ? v : FAIL) : text(v))),
  opt('message', text),
]);
const card = strictObject([
  opt('brand', enumLike(CARD_BRANDS, ENUM_ALIASES.card_brand)),
  opt('bin', regex(/^\d{6,8}$/)),
  opt('last4', regex(/^\d{4}$/)),
  opt('issuer_country', country),
  opt('funding', enumLike(CARD_FUNDING)),
  opt('wallet', enumLike(CARD_WALLETS, { applepay: 'apple_pay', googlepay: 'google_pay' })),
]);

/**
 * The top-level keys `fastValidateEvent` copies, in schema order. An input with any other key
 * goes to zod — so a field added to the contract but not here is never dropped, only slower
 * (`fast-validate.test.ts` fails until it is added here too).
 */
export const FAST_VALIDATED_KEYS = [
  'v',
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
  'failure',
  'card',
  'country',
  'latency_ms',
  'customer_ref',
  'device_ref',
  'ip_ref',
  'user_level',
  'risk_score',
  'metadata',
] as const satisfies readonly (keyof typeof PaymentEventInputSchema.shape)[];

const TOP_KEYS: Record<string, true> = Object.create(null) as Record<string, true>;
for (const k of FAST_VALIDATED_KEYS) TOP_KEYS[k] = true;
