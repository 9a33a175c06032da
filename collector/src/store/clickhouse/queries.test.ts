// Guards the ClickHouse read planning: which source (hourly cube, per-minute rollup, raw rows) answers which part of a read — counts, latencies and failures alike — and that filter values reach SQL only as bound literals.
import { describe, expect, it } from 'vitest';
import type { RangeFilter } from '../types.js';
import {
  chooseSource,
  countsQuery,
  cubeSlice,
  failuresQuery,
  latencyQuery,
  needsRollupShare,
  partitionIdRange,
  planRead,
  transactionsQuery,
  whereClause,
  withRollupShare,
} from './queries.js';
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
    const g = { bucketMs: H, dimension: 'country' as const };
    const plan = { cube: null, rest: [{ from: base.from, to: base.to }], restSource: 'rollup' as const };
    const q = countsQuery('paywatch', plan, base, g).text;
    expect(q).toContain('countMerge(events)');
    expect(q).toContain("toUInt8(`country` = '') AS gnull");
    expect(q).toContain('FROM `paywatch`.`payment_rollup_minute`');
  });

  it('adds the cube part and the raw edges in one UNION ALL', () => {
    const q = { from: base.from + 5 * 60_000, to: base.to - 7 * 60_000, filters: { provider: ['stripe'] } };
    const plan = planRead('auto', q, { bucketMs: H, dimension: 'provider' });
    const text = countsQuery('paywatch', plan, q, { bucketMs: H, dimension: 'provider' }).text;
    expect(text).toContain('FROM `paywatch`.`payment_cube_1h`');
    expect(text).toContain("dim = 'provider'");
    expect(text).toContain("val IN ('stripe')");
    expect(text.match(/UNION ALL/g)).toHaveLength(2);
  });
});

describe('multi-dimension reads', () => {
  it('take counts, latency buckets and failure codes from the per-minute rollup, never raw rows', () => {
    const q = { ...base, filters: { provider: ['stripe'], country: ['JP'] } };
    const g = { bucketMs: H, dimension: 'merchant_id' as const };
    const plan = planRead('auto', q, g);
    expect(plan).toEqual({ cube: null, rest: [{ from: base.from, to: base.to }], restSource: 'rollup' });
    for (const text of [
      countsQuery('paywatch', plan, q, g).text,
      latencyQuery('paywatch', plan, q, g).text,
      failuresQuery('paywatch', plan, q).text,
    ]) {
      expect(text).toContain('FROM `paywatch`.`payment_rollup_minute`');
      expect(text).not.toContain('payment_events');
    }
    expect(latencyQuery('paywatch', plan, q, g).text).toContain('latency_bucket >= 0');
  });

  it('take the partial hours around a cube part from the rollup too', () => {
    const q = { from: base.from + 5 * 60_000, to: base.to - 7 * 60_000, filters: {} };
    const plan = planRead('auto', q, { dimension: 'provider' });
    expect(plan.cube).not.toBeNull();
    expect(plan.rest).toHaveLength(2);
    const lat = latencyQuery('paywatch', plan, q, { bucketMs: null, dimension: 'provider' }).text;
    expect(lat).toContain('FROM `paywatch`.`payment_latency_1h`');
    expect(lat.match(/payment_rollup_minute/g)).toHaveLength(2);
    expect(lat).not.toContain('payment_events');
    // Not minute-aligned: the edges fall back to raw rows.
    const odd = { ...q, from: q.from + 1 };
    expect(failuresQuery('paywatch', planRead('auto', odd), odd).text).toContain('payment_events');
  });
});

describe('withRollupShare', () => {
  const multi = { ...base, filters: { provider: ['stripe'], country: ['JP'] } };
  it('swaps an oversized per-minute rollup for raw rows on long reads without a cube part', () => {
    const p = planRead('auto', multi);
    expect(needsRollupShare(p)).toBe(true);
    expect(withRollupShare(p, 0.9, 0.25).restSource).toBe('raw');
    expect(withRollupShare(p, 0.1, 0.25)).toBe(p);
    expect(withRollupShare(p, null, 0.25)).toBe(p);
  });

  it('leaves cube plans, raw plans and short reads alone', () => {
    const cube = planRead('auto', { ...base, from: base.from + 60_000 }, { dimension: 'provider' });
    expect(needsRollupShare(cube)).toBe(false);
    expect(withRollupShare(cube, 0.9, 0.25)).toBe(cube);
    expect(needsRollupShare(planRead('raw', multi))).toBe(false);
    const short = planRead('auto', { ...multi, to: base.from + 2 * H });
    expect(needsRollupShare(short)).toBe(false);
  });

  it('names the day partitions of a range', () => {
    expect(partitionIdRange(base.from, base.to)).toEqual(['20260101', '20260130']);
    expect(partitionIdRange(base.from, base.from + 1)).toEqual(['20260101', '20260101']);
  });
});

describe('planRead', () => {
  it('answers whole hours from the cube and only the partial hours at the ends from elsewhere', () => {
    const q = { from: base.from + 17 * 60_000, to: base.to - 3 * 60_000, filters: {} };
    const p = planRead('auto', q, { bucketMs: H, dimension: 'provider' });
    expect(p.cube).toEqual({ from: base.from + H, to: base.to - H, dim: 'provider' });
    expect(p.rest).toEqual([
      { from: q.from, to: base.from + H },
      { from: base.to - H, to: q.to },
    ]);
    expect(p.restSource).toBe('rollup');
    // Hour-aligned: no raw or rollup part at all.
    expect(planRead('auto', base, { dimension: 'merchant_id' })).toEqual({
      cube: { from: base.from, to: base.to, dim: 'merchant_id' },
      rest: [],
      restSource: 'rollup',
    });
  });

  it('uses no cube when a range holds no whole hour, for sub-hour buckets and in raw mode', () => {
    const short = { from: base.from + 60_000, to: base.from + H + 30 * 60_000, filters: {} };
    expect(planRead('auto', short).cube).toBeNull();
    expect(planRead('auto', base, { bucketMs: 15 * 60_000 }).cube).toBeNull();
    expect(planRead('raw', base)).toEqual({
      cube: null,
      rest: [{ from: base.from, to: base.to }],
      restSource: 'raw',
    });
  });

  it('picks the slice of the one dimension filtered or grouped by, status aside', () => {
    expect(cubeSlice(base)).toBe('*');
    expect(cubeSlice(base, { dimension: 'status' })).toBe('*');
    expect(cubeSlice({ ...base, filters: { status: ['failed'] } }, { dimension: 'currency' })).toBe(
      'currency',
    );
    expect(cubeSlice({ ...base, filters: { merchant_id: ['m1', 'm2'] } }, { dimension: 'merchant_id' })).toBe(
      'merchant_id',
    );
    expect(
      cubeSlice({ ...base, filters: { country: ['JP'] } }, { dimension: 'status', bucketMs: 86_400_000 }),
    ).toBe('country');
  });

  it('falls back when two dimensions are involved, for non-cube dimensions and row filters', () => {
    expect(cubeSlice({ ...base, filters: { provider: ['stripe'] } }, { dimension: 'country' })).toBeNull();
    expect(cubeSlice({ ...base, filters: { provider: ['stripe'], currency: ['USD'] } })).toBeNull();
    expect(cubeSlice(base, { dimension: 'card_bin' })).toBeNull();
    expect(cubeSlice({ ...base, filters: { user_level: ['gold'] } })).toBeNull();
    expect(cubeSlice({ ...base, filters: { payment_id: 'p1' } })).toBeNull();
    expect(cubeSlice({ ...base, filters: { min_amount_minor: 1 } })).toBeNull();
    expect(cubeSlice({ ...base, filters: { country: [''] } })).toBeNull();
    // Two filters on the same dimension's values are still one dimension; an empty list is none.
    expect(cubeSlice({ ...base, filters: { country: ['JP', 'CN'], provider: [] } })).toBe('country');
    // Multi-dimension reads still avoid raw rows through the per-minute rollup when aligned.
    const multi = { ...base, filters: { provider: ['stripe'], country: ['JP'] } };
    expect(planRead('auto', multi)).toEqual({
      cube: null,
      rest: [{ from: base.from, to: base.to }],
      restSource: 'rollup',
    });
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
