/**
 * Times one steady-state poll of the alert engine's feed on the ClickHouse store over a large
 * table: npx tsx collector/src/store/clickhouse/feed.bench.ts [millionsOfEvents=5] [repeats=10]
 * (needs `scripts/services.sh up`). Rows are generated inside ClickHouse over 30 days (event time
 * = arrival time − 0.5 s); the cursor sits 10 s before the newest arrival, as when the engine is
 * caught up. Compares the event-time bound the poller uses (`minTs` = cursor − max event age)
 * for several ages, and no bound. Prints p50/p95 ms; the database is dropped after.
 */
import { openBenchDatabase, pct } from './bench-db.js';
import { ident, sql } from './sql.js';

const millions = Number(process.argv[2] ?? 5);
const repeats = Number(process.argv[3] ?? 10);
const N = Math.round(millions * 1_000_000);
const DAY = 86_400_000;
const END = Math.floor(Date.now() / 60_000) * 60_000;
const START = END - 30 * DAY;
async function main(): Promise<void> {
  const { admin, store, database, dispose } = await openBenchDatabase('paywatch_fbench');
  try {
    const t0 = performance.now();
    const span = END - START;
    await admin.command({
      query: sql`INSERT INTO ${ident(database)}.payment_events
(event_id, v, ts, received_at, source, payment_id, attempt, merchant_id, provider, method, channel, status, amount_minor, currency,
 failure_category, failure_code, failure_message, has_card, card_brand, card_bin, card_last4, card_issuer_country, card_funding,
 card_wallet, country, latency_ms, customer_ref, device_ref, ip_ref, user_level, risk_score, metadata)
SELECT concat('evt_', toString(number)), 1, ${START} + intDiv(number * ${span}, ${N}) - 500 AS ts, ts + 500, 'api',
  concat('pay_', toString(number)), 1, 'm_1',
  arrayElement(['stripe', 'adyen', 'alipay', 'paypal'], cityHash64(number, 2) % 4 + 1), 'card', 'web',
  arrayElement(['succeeded', 'succeeded', 'failed', 'pending'], cityHash64(number, 3) % 4 + 1), 1000, 'USD',
  NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 'US', 120, NULL, NULL, NULL, NULL, NULL, NULL
FROM numbers(${N})`.text,
    });
    console.log(`loaded ${N} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const cursorAt = START + span - 10_000;
    const after = { received_at: cursorAt, event_id: '' };
    const cases: Record<string, number | undefined> = {
      'no bound': undefined,
      '1 day': DAY,
      '1 hour': 3_600_000,
    };
    for (const [name, age] of Object.entries(cases)) {
      const q = {
        after,
        before: END + 1,
        limit: 20_000,
        ...(age === undefined ? {} : { minTs: cursorAt - age }),
      };
      const first = await store.feed.eventsReceivedSince(q); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        await store.feed.eventsReceivedSince(q);
        ms.push(performance.now() - t);
      }
      console.log(
        `max event age ${name.padEnd(8)}: ${first.events.length} events, p50 ${pct(ms, 50)} ms, p95 ${pct(ms, 95)} ms`,
      );
    }
  } finally {
    await dispose();
  }
}

await main();
