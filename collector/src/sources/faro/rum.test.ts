// Guards the checkout funnel: ordered steps per session, attribute conditions, conversions.
import { describe, expect, it } from 'vitest';
import { CHECKOUT_FUNNEL, computeFunnel, parseFunnelStep, type RumRecord } from './rum.js';

const ev = (
  session: string,
  name: string,
  ts: number,
  attributes: Record<string, string> = {},
): RumRecord => ({
  id: `${session}-${name}-${ts}`,
  ts,
  kind: 'event',
  name,
  value: null,
  message: null,
  session_id: session,
  app_name: 'shop',
  app_version: '1',
  page_url: null,
  attributes,
});

describe('checkout funnel', () => {
  it('counts sessions reaching each step in order', () => {
    const records = [
      ev('s1', 'checkout_viewed', 1),
      ev('s1', 'payment_submitted', 2),
      ev('s1', 'payment_result', 3, { status: 'succeeded' }),
      ev('s2', 'checkout_viewed', 1),
      ev('s2', 'payment_submitted', 2),
      ev('s2', 'payment_result', 3, { status: 'failed' }),
      ev('s3', 'checkout_viewed', 1),
      ev('s4', 'payment_submitted', 1),
      ev('s4', 'checkout_viewed', 2), // submitted before viewing: not in order
      { ...ev('s5', 'checkout_viewed', 1), kind: 'log' as const },
    ];
    expect(computeFunnel(records, CHECKOUT_FUNNEL).steps).toEqual([
      { step: 'checkout_viewed', sessions: 4, conversion_from_previous: null, conversion_from_first: 1 },
      { step: 'payment_submitted', sessions: 2, conversion_from_previous: 0.5, conversion_from_first: 0.5 },
      {
        step: 'payment_result[status=succeeded]',
        sessions: 1,
        conversion_from_previous: 0.5,
        conversion_from_first: 0.25,
      },
    ]);
  });

  it('parses step specs and reports empty funnels without dividing by zero', () => {
    expect(parseFunnelStep('payment_result[status=failed, method=card]')).toEqual({
      event: 'payment_result',
      where: { status: 'failed', method: 'card' },
    });
    expect(() => parseFunnelStep('x[=1]')).toThrow();
    expect(
      computeFunnel([], CHECKOUT_FUNNEL).steps.map((s) => [s.sessions, s.conversion_from_previous]),
    ).toEqual([
      [0, null],
      [0, null],
      [0, null],
    ]);
  });
});
