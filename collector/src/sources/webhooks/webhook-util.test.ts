// Guards the shared webhook helpers: decimal → minor units without floats, deterministic event ids, time parsing.
import { describe, expect, it } from 'vitest';
import { clip, clipId, decimalToMinor, safeEqual, wallClockToMs, webhookEventId } from './webhook-util.js';

describe('decimalToMinor', () => {
  it('uses the currency exponent and string arithmetic', () => {
    expect(decimalToMinor('0.10', 'CNY')).toBe(10);
    expect(decimalToMinor('6.01', 'USD')).toBe(601);
    expect(decimalToMinor('0.29', 'USD')).toBe(29); // 0.29 * 100 = 28.999999999999996 in floats
    expect(decimalToMinor('1500', 'JPY')).toBe(1500);
    expect(decimalToMinor('1500.00', 'JPY')).toBe(1500);
    expect(decimalToMinor('1.234', 'KWD')).toBe(1234);
    expect(decimalToMinor(10, 'USD')).toBe(1000);
    expect(decimalToMinor(25.5, 'EUR')).toBe(2550);
  });

  it('refuses malformed or over-precise amounts', () => {
    expect(decimalToMinor('1.5', 'JPY')).toBeUndefined();
    expect(decimalToMinor('1.005', 'USD')).toBeUndefined();
    expect(decimalToMinor('-1.00', 'USD')).toBeUndefined();
    expect(decimalToMinor('1e3', 'USD')).toBeUndefined();
    expect(decimalToMinor('', 'USD')).toBeUndefined();
    expect(decimalToMinor(undefined, 'USD')).toBeUndefined();
  });
});

describe('webhookEventId', () => {
  it('is deterministic and readable for short keys', () => {
    expect(webhookEventId('stripe', 'evt_123')).toBe('stripe:evt_123');
    expect(webhookEventId('adyen', 'PSP', 'success')).toBe(webhookEventId('adyen', 'PSP', 'success'));
  });

  it('hashes keys that would exceed the id limit or contain spaces', () => {
    const long = webhookEventId('paypal', 'x'.repeat(200));
    expect(long).toMatch(/^paypal:sha256:[0-9a-f]{48}$/);
    expect(long).toBe(webhookEventId('paypal', 'x'.repeat(200)));
    expect(webhookEventId('adyen', 'a b')).toMatch(/^adyen:sha256:/);
  });
});

describe('helpers', () => {
  it('parses Alipay wall-clock time at +08:00', () => {
    expect(wallClockToMs('2019-08-15 15:56:24', '+08:00')).toBe(Date.UTC(2019, 7, 15, 7, 56, 24));
    expect(wallClockToMs('2019-08-15T15:56:24', '+08:00')).toBeUndefined();
  });

  it('safeEqual is false for different lengths and contents', () => {
    expect(safeEqual(Buffer.from('ab'), Buffer.from('ab'))).toBe(true);
    expect(safeEqual(Buffer.from('ab'), Buffer.from('abc'))).toBe(false);
    expect(safeEqual(Buffer.from('ab'), Buffer.from('ac'))).toBe(false);
  });
});

describe('clip / clipId', () => {
  // The pipeline masks card numbers after these cuts: a cut through one left 12–15 digits that
  // no longer pass Luhn (a Stripe failure_message of 497 characters + a PAN kept 412862066682008).
  const pan = '4128620666820083';
  it('never leaves a fragment of a card number at the cut', () => {
    expect(clip('x'.repeat(497) + pan)).toBe('x'.repeat(497) + '412862…0083');
    expect(clip('x'.repeat(505) + ' ' + pan)).toBe('x'.repeat(505) + ' 412862'); // the masked form cut: a BIN at most
    const id = clipId('order-' + 'x'.repeat(48) + pan + 'y'.repeat(80));
    expect(id).not.toMatch(/\d{7,}~/);
    expect(id.length).toBeLessThanOrEqual(128);
  });
});
