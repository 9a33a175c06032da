// Guards the validate step: bad events are refused with the field path and a reason that never echoes the value.
import { describe, expect, it } from 'vitest';
import { validateStep } from './validate.step.js';

const good = {
  event_id: 'e1',
  ts: 1764064800000,
  payment_id: 'p1',
  merchant_id: 'm1',
  provider: 'adyen',
  method: 'card',
  status: 'failed',
  amount_minor: 5,
  currency: 'EUR',
};

describe('validate step', () => {
  it('passes a valid event through', () => {
    const r = validateStep(good);
    expect(r.ok).toBe(true);
  });
  it('refuses non-objects', () => {
    for (const v of [null, 1, 'x', [good], undefined]) {
      const r = validateStep(v);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors[0]?.path).toBe('');
    }
  });
  it('names the nested path and does not echo the value', () => {
    const r = validateStep({ ...good, card: { last4: '4111111111111111' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors[0]?.path).toBe('card.last4');
      expect(JSON.stringify(r.errors)).not.toContain('4111111111111111');
    }
  });
  it('refuses metadata nested thousands of levels deep per event, with the depth reason (no stack overflow)', () => {
    const deep = JSON.parse('{"a":' + '['.repeat(10_000) + '1' + ']'.repeat(10_000) + '}') as unknown;
    const r = validateStep({ ...good, metadata: deep });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: 'metadata', reason: 'nested deeper than 5 levels' }]);
  });

  it('refuses a "__proto__" metadata key, naming where (the event was accepted and the key silently dropped)', () => {
    for (const [json, path] of [
      ['{"__proto__":{"isAdmin":true},"ok":1}', 'metadata.__proto__'],
      ['{"order":{"lines":[{"__proto__":1}]}}', 'metadata.order.lines.0.__proto__'],
    ] as const) {
      const r = validateStep({ ...good, metadata: JSON.parse(json) as unknown });
      expect(r.ok, json).toBe(false);
      if (!r.ok) expect(r.errors).toEqual([{ path, reason: '"__proto__" is not allowed as a metadata key' }]);
    }
    const ok = validateStep({
      ...good,
      metadata: JSON.parse('{"constructor":{"prototype":1},"proto":1}') as unknown,
    });
    expect(ok.ok).toBe(true);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  it('explains unknown fields', () => {
    const r = validateStep({ ...good, amount: 5 });
    expect(!r.ok && r.errors[0]?.reason).toMatch(/unknown field.*"amount".*metadata/);
  });
  it('names at most 10 unknown fields (400 000 of them made a 5 MB error message)', () => {
    const extra = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`x${i}`, 1]));
    const r = validateStep({ ...good, ...extra });
    const reason = !r.ok ? (r.errors[0]?.reason ?? '') : '';
    expect(reason).toBe(
      `unknown field(s) ${Array.from({ length: 10 }, (_, i) => `"x${i}"`).join(', ')} and 990 more; put custom data in metadata`,
    );
  });
  it('never quotes part of a card number in an unknown field name cut to 64 characters', () => {
    // Was: the name was cut before masking, so 50 letters + 4111111111111111 quoted 14 of its digits.
    const r = validateStep({ ...good, [`${'a'.repeat(50)}4111111111111111`]: 1 });
    const reason = !r.ok ? (r.errors[0]?.reason ?? '') : '';
    expect(reason).toMatch(/^unknown field\(s\) "a{50}411111…1111"/);
    expect(reason).not.toMatch(/\d{7}/);
  });
  it('reports several issues of one event, capped', () => {
    const r = validateStep({
      event_id: 1,
      ts: 'x',
      payment_id: 2,
      merchant_id: 3,
      provider: 4,
      method: 5,
      status: 6,
      amount_minor: 'a',
      currency: 7,
    });
    expect(!r.ok && r.errors.length).toBe(5);
  });
});
