// Guards the replay normalizer: replayed events go through the same steps as live non-API ingest (lone UTF-16 surrogates become U+FFFD, as stored), so detectors see what live ingest stores.
import { describe, expect, it } from 'vitest';
import { replayNormalizer } from './alerts.commands.js';

const raw = (over: Record<string, unknown> = {}) => ({
  event_id: 'e1',
  ts: Date.UTC(2026, 10, 25, 10),
  payment_id: 'p1',
  merchant_id: 'm1',
  provider: 'stripe',
  method: 'card',
  status: 'failed',
  amount_minor: 1200,
  currency: 'usd',
  ...over,
});

describe('replay normalizer', () => {
  it('normalizes a replayed event with a lone surrogate like live webhook ingest (U+FFFD), instead of refusing it', () => {
    const out = replayNormalizer()(
      raw({ merchant_id: 'm\ud800', failure: { category: 'do_not_honor', message: 'declined \udc00' } }),
      Date.UTC(2026, 10, 25, 11),
    );
    expect(typeof out).toBe('object');
    if (typeof out === 'string') return;
    expect(out.merchant_id).toBe('m\ufffd');
    expect(out.failure?.message).toBe('declined \ufffd');
    expect(out.source).toBe('replay');
  });

  it('still refuses an invalid event, with the reason', () => {
    const out = replayNormalizer()(raw({ amount_minor: -1 }), 0);
    expect(out).toMatch(/amount_minor/);
  });
});
