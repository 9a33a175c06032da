/**
 * Times "pending longer than N" (the /api/v1/payments/pending query and the stale-pending gauge)
 * on the ClickHouse store over a large table:
 * npx tsx collector/src/store/clickhouse/pending.bench.ts [millionsOfEvents=2] [repeats=5]
 * (needs `scripts/services.sh up`). Rows are generated inside ClickHouse over 30 days, three
 * events per payment (created → pending → a final status for most). Prints the total and
 * p50/p95 ms of the page query (limit 100) and of the count alone (limit 0); the database is
 * dropped after.
 */
import { openBenchDatabase, pct } from './bench-db.js';
import { ident, sql } from './sql.js';

const millions = Number(process.argv[2] ?? 2);
const repeats = Number(process.argv[3] ?? 5);
const N = Math.round(millions * 1_000_000);
const DAY = 86_400_000;
const END = Math.floor(Date.now() / 60_000) * 60_000;
const START = END - 30 * DAY;

async function main(): Promise<void> {
  const { admin, store, database, dispose } = await openBenchDatabase('paywatch_pbench');
  try {
    const t0 = performance.now();
    const span = END - START;
    // Event k of payment p = number / 3: created, pending, then succeeded / failed / still pending (1 in 20).
    await admin.command({
      query: sql`INSERT INTO ${ident(database)}.payment_events
(event_id, v, ts, received_at, source, payment_id, attempt, merchant_id, provider, method, channel, status, amount_minor, currency,
 failure_category, failure_code, failure_message, has_card, card_brand, card_bin, card_last4, card_issuer_country, card_funding,
 card_wallet, country, latency_ms, customer_ref, device_ref, ip_ref, user_level, risk_score, metadata)
SELECT concat('evt_', toString(number)), 1, ${START} + intDiv(intDiv(number, 3) * 3 * ${span}, ${N}) + (number % 3) * 1000 AS ts, ts + 500, 'api',
  concat('pay_', toString(intDiv(number, 3))), 1, 'm_1',
  arrayElement(['stripe', 'adyen', 'alipay', 'wechatpay'], cityHash64(intDiv(number, 3)) % 4 + 1), 'card', 'web',
  multiIf(number % 3 = 0, 'created', number % 3 = 1, 'pending',
    arrayElement(['succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded',
      'succeeded', 'failed', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'pending'],
      cityHash64(number, 3) % 20 + 1)), 1000, 'USD',
  NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 'US', 120, NULL, NULL, NULL, NULL, NULL, NULL
FROM numbers(${N})`.text,
    });
    console.log(`loaded ${N} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const before = END - 15 * 60_000;
    for (const limit of [100, 0]) {
      const first = await store.pending.pendingPayments({ before, limit }); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        await store.pending.pendingPayments({ before, limit });
        ms.push(performance.now() - t);
      }
      console.log(
        `pending (limit ${limit}): total ${first.total}, ${first.items.length} items, p50 ${pct(ms, 50)} ms, p95 ${pct(ms, 95)} ms`,
      );
    }
  } finally {
    await dispose();
  }
}

await main();
