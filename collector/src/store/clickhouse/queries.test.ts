// Guards the ClickHouse read planning: when the rollup may answer, and that filter values reach SQL only as bound literals.
import { describe, expect, it } from 'vitest';
import type { RangeFilter } from '../types.js';
import { chooseSource, countsQuery, transactionsQuery, whereClause } from './queries.js';
import { float } from './row.js';

const H = 3_600_000;
const base: RangeFilter = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 31), filters: {} };

describe('chooseSource', () => {
  it('uses the rollup for minute-aligned ranges, whole-minute buckets and rollup dimensions', () => {
    expect(chooseSource('auto', base)).toBe('rollup');
    expect(chooseSource('auto', base, { bucketMs: H, dimension: 'merchant_id' })).toBe('rollup');
    expect(
      chooseSource('auto', {
        ...base,
        filters: { provider: ['stripe'], country: ['JP'], failure_category: ['timeout'] },
      }),
    ).toBe('rollup');
  });

  it('falls back to raw rows whenever the rollup could differ', () => {
    expect(chooseSource('raw', base)).toBe('raw');
    expect(chooseSource('auto', { ...base, to: base.to - 1 })).toBe('raw');
    expect(chooseSource('auto', base, { bucketMs: 90_000 + 1 })).toBe('raw');
    expect(chooseSource('auto', base, { dimension: 'card_issuer_country' })).toBe('raw');
    expect(chooseSource('auto', { ...base, filters: { card_bin: ['424242'] } })).toBe('raw');
    expect(chooseSource('auto', { ...base, filters: { max_amount_minor: 10 } })).toBe('raw');
    // '' is how the rollup stores NULL: a literal '' filter must not match NULLs.
    expect(chooseSource('auto', { ...base, filters: { country: [''] } })).toBe('raw');
    // An empty value list is no filter.
    expect(chooseSource('auto', { ...base, filters: { user_level: [] } })).toBe('rollup');
  });
});

describe('generated SQL', () => {
  it('binds filter values as escaped literals and prunes partitions by day', () => {
    const w = whereClause('raw', {
      ...base,
      filters: { merchant_id: ["x' OR 1=1 --", 'b\\'], payment_id: "p'1" },
    }).text;
    expect(w).toContain("merchant_id` IN ('x\\' OR 1=1 --', 'b\\\\')");
    expect(w).toContain("payment_id = 'p\\'1'");
    expect(w).toContain("day >= toDate('2026-01-01')");
    expect(w).toContain("day <= toDate('2026-01-30')");
  });

  it('clamps absurd ranges into the Date type instead of failing', () => {
    expect(() => whereClause('raw', { from: 0, to: Number.MAX_SAFE_INTEGER, filters: {} })).not.toThrow();
    expect(() =>
      transactionsQuery(
        'db',
        { from: Number.MAX_SAFE_INTEGER - H, to: Number.MAX_SAFE_INTEGER, filters: {} },
        10,
        null,
      ),
    ).not.toThrow();
  });

  it('reads the rollup with -Merge and maps NULL keys back', () => {
    const q = countsQuery('paywatch', 'rollup', base, { bucketMs: H, dimension: 'country' }).text;
    expect(q).toContain('countMerge(events)');
    expect(q).toContain("nullIf(`country`, '') AS gkey");
    expect(q).toContain('FROM `paywatch`.payment_rollup_1m');
  });
});

describe('float()', () => {
  it('undoes 18.16 float parsing noise but keeps genuinely precise values', () => {
    expect(float('1.6400000000000001')).toBe(1.64);
    expect(float('7.5600000000000005')).toBe(7.56);
    expect(float(123.456)).toBe(123.456);
    expect(float('0')).toBe(0);
    expect(float(null)).toBeNull();
    expect(float(Math.PI)).toBe(Math.PI);
  });
});
