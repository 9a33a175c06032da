// Guards the --incident / duration / time syntax: what parses, what each default is, and that bad input names the problem.
import { describe, expect, it } from 'vitest';
import { brandOfBin, parseDuration, parseIncident, parseTime, SimulatorOptionError } from './incidents.js';

const BASE = Date.UTC(2026, 0, 1, 12);

describe('parseDuration', () => {
  it('reads unit sums and rejects anything else', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
    for (const bad of ['', '5', 'm', '5x', '1h 30m', '-5m']) expect(parseDuration(bad), bad).toBeNaN();
  });
});

describe('parseTime', () => {
  it('reads now, relative, epoch ms and RFC 3339', () => {
    expect(parseTime('now', BASE)).toBe(BASE);
    expect(parseTime('-7d', BASE)).toBe(BASE - 7 * 86_400_000);
    expect(parseTime('+90m', BASE)).toBe(BASE + 5_400_000);
    expect(parseTime('1767225600000', BASE)).toBe(1767225600000);
    expect(parseTime('2026-03-01T10:00:00Z', BASE)).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseTime('2026-03-01T10:00:00+02:00', BASE)).toBe(Date.UTC(2026, 2, 1, 8));
    for (const bad of ['yesterday', '-7', '2026-03-01T10:00:00', '+'])
      expect(parseTime(bad, BASE), bad).toBeNaN();
  });
});

describe('parseIncident', () => {
  it('applies defaults: provider stripe, start +1m, duration 5m', () => {
    expect(parseIncident('provider-outage', BASE)).toEqual({
      type: 'provider-outage',
      provider: 'stripe',
      start: BASE + 60_000,
      end: BASE + 360_000,
    });
    expect(parseIncident('card-testing', BASE)).toMatchObject({ type: 'card-testing', bin: '453201' });
    expect(parseIncident('decline-shift', BASE)).toMatchObject({
      from: 'do_not_honor',
      to: 'fraud_suspected',
    });
  });

  it('reads argument, relative or absolute start, and duration', () => {
    expect(parseIncident('latency-spike:adyen@+2m/10m', BASE)).toEqual({
      type: 'latency-spike',
      provider: 'adyen',
      start: BASE + 120_000,
      end: BASE + 720_000,
    });
    expect(parseIncident('card-testing:52345678@2026-03-01T12:00:00Z/15m', BASE)).toEqual({
      type: 'card-testing',
      bin: '52345678',
      start: Date.UTC(2026, 2, 1, 12),
      end: Date.UTC(2026, 2, 1, 12, 15),
    });
    expect(parseIncident('decline-shift:insufficient_funds>limit_exceeded/1h', BASE)).toMatchObject({
      from: 'insufficient_funds',
      to: 'limit_exceeded',
      start: BASE + 60_000,
      end: BASE + 60_000 + 3_600_000,
    });
  });

  it('rejects bad specs with a message naming the bad part', () => {
    const cases: Array<[string, RegExp]> = [
      ['meteor-strike', /unknown incident type "meteor-strike"/],
      ['provider-outage:acme', /unknown provider "acme"/],
      ['card-testing:12ab', /BIN must be 6 to 8 digits/],
      ['decline-shift:do_not_honor>nope', /unknown failure category "nope"/],
      ['decline-shift:timeout>timeout', /must differ/],
      ['latency-spike@soon', /bad start "soon"/],
      ['latency-spike/0m', /bad duration "0m"/],
      ['Provider Outage', /cannot parse/],
    ];
    for (const [spec, msg] of cases) {
      let err: unknown;
      try {
        parseIncident(spec, BASE);
      } catch (e) {
        err = e;
      }
      expect(err, spec).toBeInstanceOf(SimulatorOptionError);
      expect((err as Error).message, spec).toMatch(msg);
      expect((err as SimulatorOptionError).option).toBe('--incident');
    }
  });
});

describe('brandOfBin', () => {
  it('recognizes network prefixes', () => {
    expect(brandOfBin('453201')).toBe('visa');
    expect(brandOfBin('222100')).toBe('mastercard');
    expect(brandOfBin('371234')).toBe('amex');
    expect(brandOfBin('356999')).toBe('jcb');
    expect(brandOfBin('622126')).toBe('unionpay');
    expect(brandOfBin('601100')).toBe('discover');
    expect(brandOfBin('999999')).toBe('other');
  });
});
