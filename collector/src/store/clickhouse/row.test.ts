// Guards the ClickHouse row lines the spool keeps and the drainer sends: one JSONEachRow line per event with every column, read back as the same events (awkward strings included), never a lone surrogate in a text column (ClickHouse refuses the INSERT).
import { isWellFormed, type PaymentEvent } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../contract/index.js';
import { COLUMN_NAMES, fromRowLines, toRow, toRowLines, wellFormedLines } from './row.js';

const events = (): PaymentEvent[] => {
  const evs = generateEvents({ seed: 5, payments: 300, from: Date.UTC(2026, 0, 5), spanMs: 3_600_000 });
  const odd = evs[0]!;
  return [
    ...evs,
    {
      ...odd,
      event_id: 'q"uote\\back\u0000nul\n😀中',
      merchant_id: '\u2028sep😀',
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

  it('writes lone surrogates in text columns as U+FFFD; metadata keeps its JSON escape; pairs and a literal \\ud are kept', () => {
    const [e] = events();
    const bad: PaymentEvent = {
      ...e!,
      event_id: 'e\ud800',
      merchant_id: 'm\udc00x\ud83d',
      failure: { category: 'other', code: 'c\\ud800', message: 'declined 😀 \udfff' },
      metadata: { ['k\ud800']: 'v\udc00' },
    };
    const text = toRowLines([e!, bad]).toString('utf8');
    // The clean event's line is untouched; no line carries a lone surrogate escape outside metadata.
    const [clean, fixed] = text.slice(0, -1).split('\n');
    expect(clean).toBe(JSON.stringify(toRow(e!)));
    const row = JSON.parse(fixed!) as Record<string, unknown>;
    expect(row).toMatchObject({
      event_id: 'e\ufffd',
      merchant_id: 'm\ufffdx\ufffd',
      failure_code: 'c\\ud800',
      failure_message: 'declined 😀 \ufffd',
      metadata: '{"k\\ud800":"v\\udc00"}',
    });
    expect(Object.values(row).every((v) => typeof v !== 'string' || isWellFormed(v))).toBe(true);
    const [back] = fromRowLines(Buffer.from(fixed + '\n')).slice(-1);
    expect(back?.metadata).toEqual({ ['k\ud800']: 'v\udc00' });
  });

  it('makes spooled lines of an older collector well formed, keeping clean chunks as they are', () => {
    const evs = events().slice(0, 3);
    const clean = [toRowLines(evs)];
    expect(wellFormedLines(clean)).toBe(clean);
    // What a collector without the fix spooled: JSON.stringify of the raw row.
    const old = evs.map((e) => JSON.stringify(toRow({ ...e, merchant_id: 'm\ud800' })) + '\n');
    const chunks = [Buffer.from(old[0]! + old[1]!), Buffer.from(old[2]! + 'not json \\ud800\n')];
    const out = Buffer.concat(wellFormedLines(chunks)).toString('utf8');
    const lines = out.slice(0, -1).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((l) => (JSON.parse(l) as { merchant_id: string }).merchant_id)).toEqual([
      'm\ufffd',
      'm\ufffd',
      'm\ufffd',
    ]);
    expect(lines[3]).toBe('not json \\ud800');
  });
});
