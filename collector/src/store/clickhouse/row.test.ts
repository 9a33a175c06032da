// Guards the ClickHouse row lines the spool keeps and the drainer sends: one JSONEachRow line per event with every column, and they read back as the same events (awkward strings included).
import type { PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../contract/index.js';
import { COLUMN_NAMES, fromRowLines, toRow, toRowLines } from './row.js';

const events = (): PaymentEvent[] => {
  const evs = generateEvents({ seed: 5, payments: 300, from: Date.UTC(2026, 0, 5), spanMs: 3_600_000 });
  const odd = evs[0]!;
  return [
    ...evs,
    {
      ...odd,
      event_id: 'q"uote\\back\u0000nul\n😀中',
      merchant_id: '\u2028sep\ud800',
      user_level: 'tab\there',
      failure: { category: 'other', code: '05"', message: null },
      card: { brand: null, bin: null, last4: null, issuer_country: null, funding: null, wallet: null },
      metadata: { 'k"ey': ['v\n', { n: 1.5e-7 }], e: null },
      latency_ms: 0.30000000000000004,
      risk_score: 12.345678901234567,
    },
  ];
};

describe('ClickHouse row lines', () => {
  it('writes one line per event with every column, exactly JSON.stringify of the row', () => {
    const evs = events();
    const text = toRowLines(evs).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(evs.length);
    lines.forEach((line, i) => {
      expect(line).toBe(JSON.stringify(toRow(evs[i]!)));
      expect(Object.keys(JSON.parse(line) as object)).toEqual(COLUMN_NAMES);
    });
    const withCard = JSON.parse(lines.at(-1)!) as { has_card: number };
    expect(withCard.has_card).toBe(1);
  });

  it('reads the lines back as the same events, floats exact', () => {
    const evs = events();
    expect(fromRowLines(toRowLines(evs))).toEqual(evs);
    expect(fromRowLines(Buffer.alloc(0))).toEqual([]);
  });
});
