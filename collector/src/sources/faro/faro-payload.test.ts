// Guards the mapping of Faro transport bodies into masked, bounded RUM records.
import { describe, expect, it } from 'vitest';
import { maskPans } from '../../lib/pan.js';
import { FARO_MAX_ATTRIBUTE_DEPTH, FaroPayloadSchema, pageUrlOf, toRumRecords } from './faro-payload.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const body = {
  meta: {
    sdk: { name: '@grafana/faro-web-sdk', version: '2.12.1' },
    app: { name: 'checkout-web', version: '3.1.0' },
    session: { id: 'sess-1', attributes: {} },
    page: { url: 'https://shop.example.com/checkout?email=a@b.c#step2' },
  },
  events: [
    {
      name: 'payment_result',
      timestamp: '2026-01-15T11:59:59.000Z',
      attributes: { status: 'failed', note: 'card 4111111111111111', token: 'abc' },
    },
  ],
  measurements: [
    {
      type: 'web-vitals',
      values: { lcp: 1830.5 },
      timestamp: '2026-01-15T11:59:58.000Z',
      context: { rating: 'good' },
    },
    { type: 'checkout', values: { form_ms: 420, bad: Number.NaN } },
  ],
  exceptions: [
    {
      type: 'Error',
      value: 'declined 5555 5555 5555 4444',
      timestamp: '2026-01-15T11:59:57.000Z',
      stacktrace: { frames: [{ filename: 'https://shop.example.com/app.js', function: 'pay', lineno: 10 }] },
    },
  ],
  logs: [{ message: 'retrying', level: 'warn', timestamp: '2000-01-01T00:00:00.000Z', context: {} }],
  traces: { resourceSpans: [] },
};

describe('faro payload', () => {
  it('maps events, web vitals, custom measurements, exceptions and logs', () => {
    const p = FaroPayloadSchema.parse(JSON.parse(JSON.stringify(body)));
    const r = toRumRecords(p, NOW, maskPans);
    expect(r.map((x) => [x.kind, x.name, x.value])).toEqual([
      ['event', 'payment_result', null],
      ['measurement', 'lcp', 1830.5],
      ['measurement', 'checkout.form_ms', 420],
      ['exception', 'Error', null],
      ['log', 'warn', null],
    ]);
    expect(r[0]).toMatchObject({
      session_id: 'sess-1',
      app_name: 'checkout-web',
      app_version: '3.1.0',
      page_url: 'https://shop.example.com/checkout',
      ts: Date.UTC(2026, 0, 15, 11, 59, 59),
      attributes: { status: 'failed', note: 'card 411111…1111' },
    });
    expect(r[0]?.attributes['token']).toBeUndefined();
    expect(r[3]).toMatchObject({
      message: 'declined 555555…4444',
      attributes: { frame: 'https://shop.example.com/app.js:10' },
    });
    expect(r[4]?.ts).toBe(NOW); // a browser clock a day off is replaced by the receive time
  });

  it('gives the same ids to the same items (a retried beacon is not double counted)', () => {
    const p = FaroPayloadSchema.parse(JSON.parse(JSON.stringify(body)));
    expect(toRumRecords(p, NOW, maskPans).map((x) => x.id)).toEqual(
      toRumRecords(p, NOW + 5, maskPans).map((x) => x.id),
    );
  });

  it('refuses bodies that are not Faro payloads and strips page URL queries', () => {
    expect(FaroPayloadSchema.safeParse({ events: [{ attributes: {} }] }).success).toBe(false);
    expect(FaroPayloadSchema.safeParse([]).success).toBe(false);
    expect(pageUrlOf('not a url')).toBeNull();
  });

  it('refuses attributes nested thousands of levels deep, naming the field (serializing them overflowed the stack: a 500)', () => {
    const deep = JSON.parse('{"a":'.repeat(5000) + '1' + '}'.repeat(5000)) as unknown;
    const r = FaroPayloadSchema.safeParse({ events: [{ name: 'x', attributes: { a: deep } }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['events', 0, 'attributes'],
      message: `nested deeper than ${FARO_MAX_ATTRIBUTE_DEPTH} levels`,
    });
    const ok = FaroPayloadSchema.parse({ events: [{ name: 'x', attributes: { a: { b: { c: 1 } } } }] });
    expect(toRumRecords(ok, NOW, maskPans)[0]?.attributes).toEqual({ a: '{"b":{"c":1}}' });
  });

  it('masks card numbers in every stored text: page path, names, session, attribute keys, around the length cuts', () => {
    const pan = '4120822404800884';
    const p = FaroPayloadSchema.parse({
      meta: {
        app: { name: `shop ${pan}`, version: pan },
        session: { id: `sess-${pan}` },
        page: { url: `https://shop.example/pay/${pan}?card=${pan}` },
      },
      events: [
        {
          name: `field_${pan}`,
          // A 19-digit card number as a JSON number: 6212345678901235000 after parsing.
          attributes: {
            [`cc_${pan}`]: 'typed',
            long: 'x'.repeat(500) + pan,
            n: JSON.parse('6212345678901234569'),
          },
        },
      ],
      measurements: [{ type: `custom_${pan}`, values: { [`v${pan}`]: 1 } }],
      exceptions: [{ type: `Error ${pan}`, value: 'y'.repeat(1020) + pan }],
      logs: [{ message: 'z'.repeat(1015) + pan, level: pan }],
    });
    const records = toRumRecords(p, NOW, maskPans);
    expect(records).toHaveLength(4);
    expect(records[0]).toMatchObject({
      page_url: 'https://shop.example/pay/412082…0884',
      name: 'field_412082…0884',
      session_id: 'sess-412082…0884',
      app_name: 'shop 412082…0884',
    });
    // A cut at a length limit must not leave 12–15 digits of a card number behind.
    for (const digits of JSON.stringify(records).match(/\d{12,}/g) ?? []) expect(pan).not.toContain(digits);
    expect(JSON.stringify(records)).not.toMatch(/4120822404|6212345678/);
    expect(records[0]?.attributes['n']).toBe('621234…');
  });
});
