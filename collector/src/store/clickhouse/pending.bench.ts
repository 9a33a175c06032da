/**
 * Times "pending longer than N" (the /api/v1/payments/pending query and the stale-pending gauge)
 * on the ClickHouse store over a large table:
 * npx tsx collector/src/store/clickhouse/pending.bench.ts [millionsOfEvents=2] [repeats=5]
 * (needs `scripts/services.sh up`). Rows are generated inside ClickHouse over 30 days, three
 * events per payment (created → pending → a final status for most). Prints the total and
 * p50/p95 ms of the page query (limit 100) and of the count alone (limit 0), over the whole 30
 * days and over the default 7-day look-back; the database is dropped after.
 */
import { benchScale, loadGeneratedEvents, openBenchDatabase, pct, timeRepeats } from './bench-db.js';
import { sql } from './sql.js';

const { n: N, repeats, start: START, end: END } = benchScale(2, 5);

async function main(): Promise<void> {
  const bench = await openBenchDatabase('paywatch_pbench');
  try {
    const span = END - START;
    // Event k of payment p = number / 3: created, pending, then succeeded / failed / still pending (1 in 20).
    await loadGeneratedEvents(
      bench,
      N,
      sql`SELECT concat('evt_', toString(number)), 1, ${START} + intDiv(intDiv(number, 3) * 3 * ${span}, ${N}) + (number % 3) * 1000 AS ts, ts + 500, 'api',
  concat('pay_', toString(intDiv(number, 3))), 1, 'm_1',
  arrayElement(['stripe', 'adyen', 'alipay', 'wechatpay'], cityHash64(intDiv(number, 3)) % 4 + 1), 'card', 'web',
  multiIf(number % 3 = 0, 'created', number % 3 = 1, 'pending',
    arrayElement(['succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded',
      'succeeded', 'failed', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'pending'],
      cityHash64(number, 3) % 20 + 1)), 1000, 'USD',
  NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 'US', 120, NULL, NULL, NULL, NULL, NULL, NULL
FROM numbers(${N})`,
    );
    const before = END - 15 * 60_000;
    // The whole 30 days, and the default look-back (PAYWATCH_PENDING_LOOKBACK = 7d).
    for (const [lookback, since] of [
      ['30 d', START],
      ['7 d', END - 7 * 86_400_000],
    ] as const) {
      for (const limit of [100, 0]) {
        const { first, ms } = await timeRepeats(repeats, () =>
          bench.store.pending.pendingPayments({ since, before, limit }),
        );
        console.log(
          `pending, look-back ${lookback} (limit ${limit}): total ${first.total}, ${first.items.length} items, p50 ${pct(ms, 50)} ms, p95 ${pct(ms, 95)} ms`,
        );
      }
    }
  } finally {
    await bench.dispose();
  }
}

await main();
