// Guards the validation fast path: it accepts only what zod accepts, with an identical result, and leaves every other event (and every error message) to zod.
import { LONE_SURROGATE_MESSAGE, PaymentEventInputSchema } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createGenerator } from '../../simulator/generator.js';
import { Rng } from '../../simulator/prng.js';
import { FAST_VALIDATED_KEYS, fastValidateEvent } from './fast-validate.js';
import { validateStep } from './validate.step.js';

type Obj = Record<string, unknown>;

/** Real simulator events in the wire shape (JSON round trip, as the events API receives them). */
function simulated(n: number, seed: number, tsFormat: 'rfc3339' | 'epoch_ms'): Obj[] {
  const start = Date.UTC(2026, 0, 1);
  const gen = createGenerator({ seed, start, end: start + 86_400_000, rate: 50, tsFormat });
  const out: Obj[] = [];
  for (const e of gen) {
    out.push(JSON.parse(JSON.stringify(e)) as Obj);
    if (out.length === n) break;
  }
  return out;
}

/** Keys in order, recursively: zod's output order is part of "identical". */
function shape(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v === undefined ? '<undefined>' : v;
  if (Array.isArray(v)) return v.map(shape);
  return Object.entries(v as Obj).map(([k, x]) => [k, shape(x)]);
}

const longText = (n: number, ch = 'x') => ch.repeat(n);
const deep = (levels: number): unknown => (levels === 0 ? 1 : { d: deep(levels - 1) });

/** Each mutation edits a copy of a valid event; many make it invalid, some keep it valid. */
const MUTATIONS: ((e: Obj, r: Rng) => void)[] = [
  (e) => delete e.event_id,
  (e) => (e.event_id = '   '),
  (e) => (e.event_id = `  ${String(e.event_id)}\t`),
  (e) => (e.event_id = longText(128)),
  (e) => (e.event_id = longText(129)),
  (e) => (e.event_id = ` ${longText(128)} `),
  (e) => (e.event_id = 42),
  (e) => (e.payment_id = ''),
  (e) => (e.merchant_id = '\u00a0m\u2028'),
  (e) => (e.ts = 'yesterday'),
  (e) => (e.ts = '2026-01-01T00:00:00'),
  (e) => (e.ts = '2026-01-01 00:00:00.123456789+02:00'),
  (e) => (e.ts = '2026-01-01t00:00:00z'),
  (e) => (e.ts = 1.5),
  (e) => (e.ts = -1),
  (e) => (e.ts = -0),
  (e) => (e.ts = 2 ** 53),
  (e) => (e.ts = Number.NaN),
  (e) => (e.ts = null),
  (e) => (e.attempt = 0),
  (e) => (e.attempt = 1000),
  (e) => (e.attempt = 1001),
  (e) => (e.attempt = 2.5),
  (e) => (e.attempt = '2'),
  (e) => (e.provider = 'STRIPE'),
  (e) => (e.provider = ' wechat '),
  (e) => (e.provider = 'coinbase-commerce'),
  (e) => (e.provider = 'unknownpay'),
  (e) => (e.method = 'Apple Pay'),
  (e) => (e.method = 'cheque'),
  (e) => (e.channel = 'Mobile-Web'),
  (e) => (e.channel = 'fax'),
  (e) => (e.channel = null),
  (e) => (e.status = 'Paid'),
  (e) => (e.status = 'requires payment method'),
  (e) => (e.status = 'maybe'),
  (e) => (e.amount_minor = -1),
  (e) => (e.amount_minor = 0),
  (e) => (e.amount_minor = -0),
  (e) => (e.amount_minor = 10.5),
  (e) => (e.amount_minor = Number.MAX_SAFE_INTEGER),
  (e) => (e.amount_minor = Number.MAX_SAFE_INTEGER + 1),
  (e) => (e.amount_minor = '100'),
  (e) => (e.amount_minor = Number.POSITIVE_INFINITY),
  (e) => (e.currency = ' eur '),
  (e) => (e.currency = 'XXX1'),
  (e) => (e.currency = 'ZZZ'),
  (e) => (e.currency = 978),
  (e) => (e.failure = { category: 'Do Not Honor', code: 51, message: 'declined' }),
  (e) => (e.failure = { code: '05' }),
  (e) => (e.failure = {}),
  (e) => (e.failure = { category: 'bogus' }),
  (e) => (e.failure = { code: longText(512) }),
  (e) => (e.failure = { code: longText(513) }),
  (e) => (e.failure = { message: longText(600) }),
  (e) => (e.failure = { code: Number.NaN }),
  (e) => (e.failure = { code: true }),
  (e) => (e.failure = { reason: 'x' }),
  (e) => (e.failure = [1]),
  (e) => (e.failure = undefined),
  (e) => (e.failure = { category: undefined, code: 'x' }),
  (e) => (e.card = { brand: 'VISA', bin: '411111', last4: '1111', issuer_country: ' de ', funding: 'debit' }),
  (e) => (e.card = { bin: '41111' }),
  (e) => (e.card = { bin: '411111111' }),
  (e) => (e.card = { last4: '4111111111111111' }),
  (e) => (e.card = { wallet: 'ApplePay' }),
  (e) => (e.card = { wallet: 'venmo' }),
  (e) => (e.card = { pan: '4111111111111111' }),
  (e) => (e.card = { issuer_country: 'XX' }),
  (e) => (e.card = null),
  (e) => (e.card = {}),
  (e) => (e.country = 'us'),
  (e) => (e.country = 'USA'),
  (e) => (e.latency_ms = 3_600_000),
  (e) => (e.latency_ms = 3_600_001),
  (e) => (e.latency_ms = 12.75),
  (e) => (e.latency_ms = -1),
  (e) => (e.customer_ref = ''),
  (e) => (e.customer_ref = longText(256)),
  (e) => (e.customer_ref = longText(257)),
  (e) => (e.device_ref = 7),
  (e) => (e.ip_ref = undefined),
  (e) => (e.user_level = '  gold  '),
  (e) => (e.user_level = '   '),
  (e) => (e.user_level = longText(33)),
  (e) => (e.user_level = ` ${longText(32)} `),
  (e) => (e.risk_score = 100),
  (e) => (e.risk_score = 100.5),
  (e) => (e.v = 1),
  (e) => (e.v = 2),
  (e) => (e.v = undefined),
  (e) => (e.amount = 5),
  (e) => (e.__proto__ = { x: 1 }),
  (e) => (e.metadata = { order: 'o-1', note: 'call 4111 1111 1111 1111', nested: { a: [1, { b: 2 }] } }),
  (e) => (e.metadata = {}),
  (e) => (e.metadata = { d: deep(4) }),
  (e) => (e.metadata = { d: deep(5) }),
  (e) => (e.metadata = { big: longText(8_170) }),
  (e) => (e.metadata = { big: longText(8_200) }),
  (e) => (e.metadata = { big: longText(2_700, '€') }),
  (e) => (e.metadata = { big: longText(2_740, '€') }),
  (e) => (e.metadata = { u: undefined, n: null }),
  (e) => (e.metadata = [1, 2]),
  (e) => (e.metadata = 'x'),
  (e) => (e.metadata = null),
  (e) => (e.metadata = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown),
  (e) => (e.metadata = Object.assign(Object.create(null) as Obj, { a: 1 })),
  (e) => (e.metadata = new Date(0)),
  // Lone UTF-16 surrogates (what JSON.parse makes of "\ud800"), and well-formed pairs.
  (e) => (e.merchant_id = 'm\ud800'),
  (e) => (e.event_id = ' \udc00 '),
  (e) => (e.payment_id = 'p\ud83d\ude00'),
  (e) => (e.failure = { code: 'c\udfff', message: 'ok' }),
  (e) => (e.failure = { message: 'declined \ud83d' }),
  (e) => (e.customer_ref = '\ud800\ud800'),
  (e) => (e.device_ref = '\ud83d\ude00'),
  (e) => (e.ip_ref = 'ip\udbff'),
  (e) => (e.user_level = 'gold\ud800'),
  (e) => (e.provider = 'stripe\ud800'),
  (e) => (e.metadata = { note: 'x\ud800' }),
  (e) => (e.metadata = { ['k\udc00']: 1 }),
  (e) => (e.metadata = { a: [{ b: '\udc00' }] }),
  (e) => (e.metadata = { path: 'C:\\ud\\x', smile: '\ud83d\ude00' }),
  (e, r) => {
    // Drop a random field.
    const keys = Object.keys(e);
    delete e[keys[r.int(keys.length)]!];
  },
];

function mutate(e: Obj, r: Rng): Obj {
  const c = structuredClone(e);
  const times = 1 + r.int(3);
  for (let i = 0; i < times; i++) MUTATIONS[r.int(MUTATIONS.length)]!(c, r);
  return c;
}

describe('fast validation path', () => {
  it('copies exactly the contract’s top-level fields, in schema order', () => {
    // A contract field missing here would send every event carrying it to zod (never drop it).
    expect([...FAST_VALIDATED_KEYS]).toEqual(Object.keys(PaymentEventInputSchema.shape));
  });

  it('accepts real simulator events with exactly the output zod gives', () => {
    const events = [...simulated(3000, 7, 'rfc3339'), ...simulated(1000, 8, 'epoch_ms')];
    for (const e of events) {
      const fast = fastValidateEvent(e);
      const zod = PaymentEventInputSchema.safeParse(e);
      expect(zod.success).toBe(true);
      // Valid simulator events are the common shape: the fast path must take them.
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(zod.data);
      expect(shape(fast)).toEqual(shape(zod.data));
    }
  });

  it('never accepts what zod refuses, and matches zod whenever it accepts (mutated events)', () => {
    const base = simulated(400, 11, 'rfc3339');
    const r = new Rng(12345);
    let accepted = 0;
    let refusedByZod = 0;
    for (let i = 0; i < 20_000; i++) {
      const e = mutate(base[i % base.length]!, r);
      const fast = fastValidateEvent(e);
      const zod = PaymentEventInputSchema.safeParse(e);
      if (!zod.success) refusedByZod++;
      if (fast === undefined) continue;
      accepted++;
      expect(zod.success, JSON.stringify(e).slice(0, 300)).toBe(true);
      expect(fast).toStrictEqual(zod.data);
      expect(shape(fast)).toEqual(shape(zod.data));
    }
    // Both branches were exercised for real.
    expect(accepted).toBeGreaterThan(2_000);
    expect(refusedByZod).toBeGreaterThan(5_000);
  });

  it('leaves refused events to zod: validateStep reports zod’s errors unchanged', () => {
    const e = simulated(1, 3, 'rfc3339')[0]!;
    const r = validateStep({ ...e, amount_minor: -5, currency: 'ZZZ', card: { last4: '4111111111111111' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual([
        { path: 'amount_minor', reason: 'Too small: expected number to be >=0' },
        { path: 'currency', reason: 'expected an ISO 4217 currency code' },
        { path: 'card.last4', reason: 'expected 4 digits' },
      ]);
    }
    expect(fastValidateEvent({ ...e, extra: 1 })).toBeUndefined();
    const unknown = validateStep({ ...e, extra: 1 });
    expect(!unknown.ok && unknown.errors[0]?.reason).toMatch(/unknown field.*"extra"/);
  });

  it('refuses a lone UTF-16 surrogate in any text field, naming the field (per event)', () => {
    const e = simulated(1, 5, 'rfc3339')[0]!;
    const cases: [Obj, string][] = [
      [{ merchant_id: 'm\ud800' }, 'merchant_id'],
      [{ event_id: 'e\udc00' }, 'event_id'],
      [{ payment_id: '\ud800p' }, 'payment_id'],
      [{ failure: { code: 'x\ud800' } }, 'failure.code'],
      [{ failure: { message: 'declined \udbff' } }, 'failure.message'],
      [{ customer_ref: 'c\ud800' }, 'customer_ref'],
      [{ device_ref: 'd\udfff' }, 'device_ref'],
      [{ ip_ref: 'i\ud800' }, 'ip_ref'],
      [{ user_level: 'gold\ud800' }, 'user_level'],
      [{ metadata: { order: { note: ['ok', 'bad \ud800'] } } }, 'metadata.order.note.1'],
      [{ metadata: { ['k\udc00']: 1 } }, 'metadata.k\udc00'],
    ];
    for (const [patch, path] of cases) {
      const input = { ...e, ...patch };
      expect(fastValidateEvent(input), path).toBeUndefined();
      const r = validateStep(input);
      expect(r.ok, path).toBe(false);
      if (!r.ok) expect(r.errors, path).toEqual([{ path, reason: LONE_SURROGATE_MESSAGE }]);
    }
    // Surrogate pairs (emoji) are well formed, and a literal backslash-u text is just text.
    const fine = { ...e, merchant_id: 'm\ud83d\ude00', metadata: { s: '\ud83d\ude00', p: '\\ud800' } };
    expect(validateStep(fine).ok).toBe(true);
    expect(fastValidateEvent({ ...e, merchant_id: 'm\ud83d\ude00' })).toBeDefined();
  });

  it('keeps zod’s handling of odd inputs (undefined optionals, class instances, null prototypes)', () => {
    const e = simulated(1, 4, 'epoch_ms')[0]!;
    const withUndefined = { ...e, channel: undefined, metadata: undefined };
    const fast = fastValidateEvent(withUndefined);
    expect(fast).toStrictEqual(PaymentEventInputSchema.parse(withUndefined));
    expect(fast && 'channel' in fast).toBe(true);
    class Event {
      constructor(readonly event_id: string) {}
    }
    expect(fastValidateEvent(new Event('x'))).toBeUndefined();
    const bare = Object.assign(Object.create(null) as Obj, e);
    expect(fastValidateEvent(bare)).toStrictEqual(PaymentEventInputSchema.parse(bare));
  });
});
