// Guards log-line parsing (JSON lines, logfmt) and the field mapping into payment events and masked, bounded log records.
import { describe, expect, it } from 'vitest';
import { PaymentEventInputSchema } from '@paywatch/contracts';
import { maskPans } from '../../lib/pan.js';
import { isPaymentLine, mapPaymentLine, timeOf, toLogRecord } from './line-mapper.js';
import { parseLine, parseLogfmt } from './line-parser.js';
import { PaymentMappingSchema, TailFileSchema } from './log-tail.config.js';

const mapping = PaymentMappingSchema.parse({
  when: { field: 'event', equals: 'payment' },
  fields: {
    payment_id: 'pid',
    status: 'result',
    amount: 'amount',
    currency: 'cur',
    provider: 'psp',
    method: 'method',
    ts: 'time',
    failure_code: 'decline',
    card_last4: 'card.last4',
    merchant_id: 'shop',
  },
  defaults: { method: 'card' },
  amount_unit: 'major',
});

describe('line parsing', () => {
  it('parses logfmt with quotes, escapes and bare flags', () => {
    expect(parseLogfmt('level=info msg="payment \\"ok\\" done" amount=12.50 retry')).toEqual({
      level: 'info',
      msg: 'payment "ok" done',
      amount: '12.50',
      retry: true,
    });
    expect(parseLogfmt('   ')).toBeUndefined();
  });

  it('auto-detects JSON lines and falls back to logfmt', () => {
    expect(parseLine('{"a":{"b":1}}', 'auto')).toEqual({ a: { b: 1 } });
    expect(parseLine('a=1 b=two', 'auto')).toEqual({ a: '1', b: 'two' });
    expect(parseLine('{broken', 'json')).toBeUndefined();
  });
});

describe('payment mapping', () => {
  it('maps a JSON payment line with major-unit amount and nested fields', () => {
    const fields = parseLine(
      '{"event":"payment","pid":"p-1","result":"declined","amount":"19.99","cur":"eur","psp":"adyen","time":"2026-01-15T10:00:00Z","decline":"51","card":{"last4":"4242"},"shop":"m1"}',
      'auto',
    )!;
    expect(isPaymentLine(fields, mapping)).toBe(true);
    const e = mapPaymentLine(fields, mapping, 'abc', 1);
    expect(e).toEqual({
      event_id: 'log:abc',
      ts: Date.UTC(2026, 0, 15, 10),
      payment_id: 'p-1',
      merchant_id: 'm1',
      provider: 'adyen',
      method: 'card',
      status: 'declined',
      amount_minor: 1999,
      currency: 'EUR',
      failure: { code: '51' },
      card: { last4: '4242' },
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('maps a logfmt payment line (JPY has no decimals)', () => {
    const fields = parseLine(
      'event=payment pid=p-2 result=succeeded amount=1500 cur=JPY psp=stripe time=1768471200',
      'auto',
    )!;
    const e = mapPaymentLine(fields, mapping, 'def', 1);
    expect(e).toMatchObject({
      payment_id: 'p-2',
      status: 'succeeded',
      amount_minor: 1500,
      currency: 'JPY',
      ts: 1768471200000,
    });
    expect(PaymentEventInputSchema.safeParse(e).success).toBe(true);
  });

  it('without `when`, a line is a payment when payment_id and status are present', () => {
    const m = PaymentMappingSchema.parse({ fields: { payment_id: 'pid', status: 'st' } });
    expect(isPaymentLine({ pid: 'x', st: 'failed' }, m)).toBe(true);
    expect(isPaymentLine({ pid: 'x' }, m)).toBe(false);
  });

  it('reads times as seconds, milliseconds or RFC 3339', () => {
    expect(timeOf(1768471200)).toBe(1768471200000);
    expect(timeOf(1768471200123)).toBe(1768471200123);
    expect(timeOf('2026-01-15T10:00:00+01:00')).toBe(Date.UTC(2026, 0, 15, 9));
    expect(timeOf('yesterday')).toBeUndefined();
  });
});

describe('log records', () => {
  const file = TailFileSchema.parse({ path: '/var/log/app.log' });
  const at = { path: '/var/log/app.log', fileKey: '1:2', offset: 40, receivedAt: 5 };

  it('masks card numbers, drops secrets and keeps level, message and time', () => {
    const fields = parseLine(
      '{"ts":"2026-01-15T10:00:00Z","level":"error","msg":"charge failed for 4111 1111 1111 1111","password":"hunter2","nested":{"cvv":"123","pan":"5555555555554444"}}',
      'auto',
    );
    const r = toLogRecord(fields, 'raw', file, at, maskPans, 8192);
    expect(r).toMatchObject({
      ts: Date.UTC(2026, 0, 15, 10),
      level: 'error',
      message: 'charge failed for 411111…1111',
      file: '/var/log/app.log',
      offset: 40,
    });
    expect(r.fields).toEqual({
      ts: '2026-01-15T10:00:00Z',
      level: 'error',
      msg: 'charge failed for 411111…1111',
      nested: { pan: '555555…4444' },
    });
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });

  it("drops every field the event masker drops (one list): security_code, cav2, track data; a correlation 'cid' stays", () => {
    // The tailer had its own list without these: {"security_code":"123"} was stored.
    const fields = parseLine(
      '{"msg":"auth","security_code":"123","Card-Verification-Value":"4821","cav2":"991","track2":";4111=2912?","cid":"req-7f3a","card":{"cid":"1234"}}',
      'auto',
    );
    const r = toLogRecord(fields, 'raw', file, at, maskPans, 8192);
    expect(r.fields).toEqual({ msg: 'auth', cid: 'req-7f3a', card: {} });
  });

  it('bounds the stored fields and the message', () => {
    const fields = { msg: 'x'.repeat(5000), big: 'y'.repeat(20_000), small: 1 };
    const r = toLogRecord(fields, '', file, at, (s) => s, 1024);
    expect(Buffer.byteLength(JSON.stringify(r.fields))).toBeLessThanOrEqual(1024);
    expect(r.fields).toMatchObject({ small: 1, _truncated: true });
    expect(r.message.length).toBe(2048);
  });

  it('masks card numbers in field names too (a logfmt key is as free as its value)', () => {
    const fields = parseLine(
      'level=info msg=hello 4133260462082282=seen nested_4111111111111111=1',
      'logfmt',
    );
    const r = toLogRecord(fields, 'raw', file, at, maskPans, 8192);
    expect(Object.keys(r.fields).sort()).toEqual(['413326…2282', 'level', 'msg', 'nested_411111…1111']);
    expect(JSON.stringify(r)).not.toMatch(/4133260462|4111111111/);
  });

  it('unparseable lines are kept as plain messages with the receive time', () => {
    const r = toLogRecord(undefined, 'plain text line', file, at, (s) => s, 1024);
    expect(r).toMatchObject({ message: 'plain text line', ts: 5, level: null, fields: {} });
  });

  it('takes the receive time for a time no Date can hold (stores refuse such rows)', () => {
    const r = toLogRecord({ ts: 1e300, msg: 'far future' }, '', file, at, (s) => s, 1024);
    expect(r).toMatchObject({ message: 'far future', ts: 5 });
  });
});
