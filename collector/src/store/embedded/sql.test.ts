// Guards the embedded store's SQL helpers: input values only ever reach SQL as numbered parameters; zoned buckets placed against precomputed starts equal ICU's per-row ones.
import { DuckDBInstance } from '@duckdb/node-api';
import type { Filters } from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../contract/events.js';
import { SqlParams, bucketSql, icuBucketSql, outcomeSqlOf, whereOf, zonedStartsOf } from './sql.js';

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

describe('bucketSql with a range (buckets precomputed in JS)', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  // DST changes (Berlin both ways, New York, Lord Howe's 30-minute one), +05:30, +05:45, and a
  // zone that dropped DST (São Paulo, 2019).
  const ZONES = [
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'America/Sao_Paulo',
  ];
  const ANCHORS = [
    Date.UTC(2026, 2, 29), // Berlin spring forward
    Date.UTC(2026, 9, 25), // Berlin fall back
    Date.UTC(2026, 2, 8), // New York
    Date.UTC(2026, 3, 5), // Lord Howe (+11 → +10:30)
    Date.UTC(2026, 9, 4), // Lord Howe (+10:30 → +11)
    Date.UTC(2019, 1, 17), // São Paulo's last fall back
  ];

  it('places every row in the same bucket as ICU per row, on random ranges across DST', async () => {
    const rnd = createRandom(20261127);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      // Random event times within ±12 days of each anchor, some on exact hour and half-hour marks.
      const ts: number[] = [];
      for (const a of ANCHORS)
        for (let i = 0; i < 1500; i++) {
          const t = a - 12 * DAY + Math.floor(rnd() * 24 * DAY);
          ts.push(i % 5 === 0 ? t - (t % (HOUR / 4)) : t);
        }
      await conn.run(`CREATE TABLE e AS SELECT unnest([${ts.join(',')}]::BIGINT[]) AS ts`);
      let compared = 0;
      let changes = 0;
      for (const tz of ZONES)
        for (const bucketMs of [6 * HOUR, DAY, 7 * DAY]) {
          for (let r = 0; r < 4; r++) {
            const a = ANCHORS[Math.floor(rnd() * ANCHORS.length)] as number;
            const from = a - Math.floor(rnd() * 10 * DAY) - (r === 0 ? 0 : Math.floor(rnd() * HOUR));
            const to = a + Math.floor(rnd() * 10 * DAY) + 1;
            const p = new SqlParams();
            const range = { from, to };
            const fast = bucketSql(p, bucketMs, tz, zonedStartsOf(bucketMs, tz, range));
            const icu = icuBucketSql(p, bucketMs, tz);
            expect(fast).not.toContain('AT TIME ZONE');
            if (fast.includes('CASE')) changes++;
            const where = whereOf({ ...range, filters: {} }, p);
            const res = await conn.runAndReadAll(
              `SELECT ts, ${fast} AS fast, ${icu} AS icu FROM e WHERE ${where} ORDER BY ts`,
              p.values,
            );
            const rows = res.getRowObjectsJS() as { ts: bigint; fast: unknown; icu: unknown }[];
            expect(rows.length).toBeGreaterThan(0);
            const wrong = rows.filter((x) => Number(x.fast) !== Number(x.icu));
            expect(wrong.slice(0, 3), `${tz} ${bucketMs} [${from}, ${to})`).toEqual([]);
            compared += rows.length;
          }
        }
      expect(compared).toBeGreaterThan(10_000);
      // Many ranges hold an offset change: the CASE over segments is exercised, not only one run.
      expect(changes).toBeGreaterThan(5);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('places rows as ICU does on a day whose midnight the clocks skip, the range starting mid-bucket', async () => {
    // Santiago and Beirut spring forward at 00:00: the day begins at 01:00 local, at the change.
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      for (const [tz, change] of [
        ['America/Santiago', Date.UTC(2026, 8, 6, 4)],
        ['Asia/Beirut', Date.UTC(2026, 2, 28, 22)],
      ] as const) {
        const ts = Array.from({ length: 4 * 24 * 8 }, (_, i) => change - 4 * DAY + i * (HOUR / 4));
        await conn.run(`CREATE OR REPLACE TABLE e AS SELECT unnest([${ts.join(',')}]::BIGINT[]) AS ts`);
        for (const bucketMs of [6 * HOUR, DAY, 7 * DAY]) {
          const range = { from: change - 3 * DAY + 5 * HOUR, to: change + 3 * DAY };
          const p = new SqlParams();
          const fast = bucketSql(p, bucketMs, tz, zonedStartsOf(bucketMs, tz, range));
          const icu = icuBucketSql(p, bucketMs, tz);
          const where = whereOf({ ...range, filters: {} }, p);
          const res = await conn.runAndReadAll(
            `SELECT ts, ${fast} AS fast, ${icu} AS icu FROM e WHERE ${where} ORDER BY ts`,
            p.values,
          );
          const rows = res.getRowObjectsJS() as { ts: bigint; fast: unknown; icu: unknown }[];
          expect(rows.length).toBe(4 * 24 * 6 - 20);
          const wrong = rows.filter((x) => Number(x.fast) !== Number(x.icu));
          expect(wrong.slice(0, 3), `${tz} ${bucketMs}`).toEqual([]);
        }
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('uses plain arithmetic without a zone change in range, ICU without a range or for short buckets', () => {
    const p = new SqlParams();
    const week = { from: Date.UTC(2026, 4, 1), to: Date.UTC(2026, 4, 8) };
    expect(bucketSql(p, DAY, 'Asia/Kolkata', zonedStartsOf(DAY, 'Asia/Kolkata', week))).toBe(
      '($2 + least((ts - $2) // $1, $3) * $1)::BIGINT',
    );
    expect(p.values).toEqual([DAY, Date.UTC(2026, 3, 30, 18, 30), 7]);
    expect(bucketSql(new SqlParams(), DAY, 'Asia/Kolkata')).toContain('AT TIME ZONE');
    expect(zonedStartsOf(HOUR, 'Asia/Kolkata', week)).toBeNull();
    expect(bucketSql(new SqlParams(), HOUR, 'Asia/Kolkata', [week.from])).toBe('(ts - ts % $1)');
    const dst = { from: Date.UTC(2026, 2, 25), to: Date.UTC(2026, 3, 2) };
    expect(
      bucketSql(new SqlParams(), DAY, 'Europe/Berlin', zonedStartsOf(DAY, 'Europe/Berlin', dst)),
    ).toMatch(/^\(CASE WHEN ts < \$\d+ THEN .* ELSE .* END\)$/);
  });
});
