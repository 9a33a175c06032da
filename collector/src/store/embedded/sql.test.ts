// Guards the embedded store's SQL binding helper: input values only ever reach SQL as numbered parameters.
import type { Filters } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { SqlParams, outcomeSqlOf, whereOf } from './sql.js';

const hostile = "x' OR '1'='1'; DROP TABLE payment_events; --";

describe('whereOf', () => {
  it('binds every value and keeps input out of the SQL text', () => {
    const p = new SqlParams();
    const filters: Filters = {
      provider: ['stripe', hostile],
      card_brand: ['visa'],
      payment_id: hostile,
      min_amount_minor: 5,
      max_amount_minor: 10,
    };
    const sql = whereOf({ from: 1000, to: 2000, filters }, p);
    expect(sql).toBe(
      'ts >= $1 AND ts < $2 AND provider IN ($3, $4) AND card_brand IN ($5) AND payment_id = $6 ' +
        'AND amount_minor >= $7 AND amount_minor <= $8',
    );
    expect(p.values).toEqual([1000, 2000, 'stripe', hostile, 'visa', hostile, 5, 10]);
    expect(sql).not.toContain("'");
  });

  it('ignores keys that are not dimensions and empty value lists', () => {
    const p = new SqlParams();
    const filters = { [`provider) OR (1=1`]: ['a'], method: [] } as unknown as Filters;
    expect(whereOf({ from: 0, to: 10, filters }, p)).toBe('ts >= $1 AND ts < $2');
    expect(p.values).toEqual([0, 10]);
  });

  it('rounds fractional bounds up (ts is integral) and refuses non-finite ones', () => {
    const p = new SqlParams();
    whereOf({ from: 1000.2, to: 1999.5, filters: {} }, p);
    expect(p.values).toEqual([1001, 2000]);
    expect(() => whereOf({ from: Number.NaN, to: 1, filters: {} }, new SqlParams())).toThrow(RangeError);
    expect(() => whereOf({ from: 0, to: Infinity, filters: {} }, new SqlParams())).toThrow(RangeError);
  });
});

describe('outcomeSqlOf', () => {
  it('binds the status lists only when used, once per query', () => {
    const p = new SqlParams();
    const o = outcomeSqlOf(p);
    expect(p.values).toEqual([]);
    expect(o.failure).toBe('status IN ($1)');
    expect(o.outcome).toBe('status IN ($2, $3, $1)');
    expect(o.success).toBe('status IN ($2, $3)');
    expect(p.values).toEqual(['failed', 'succeeded', 'captured']);
  });
});
