/**
 * Times one steady-state poll of the alert engine's feed on the ClickHouse store over a large
 * table: npx tsx collector/src/store/clickhouse/feed.bench.ts [millionsOfEvents=5] [repeats=10]
 * (needs `scripts/services.sh up`). Rows are generated inside ClickHouse over 30 days (event time
 * = arrival time − 0.5 s); the cursor sits 10 s before the newest arrival, as when the engine is
 * caught up. Compares the event-time bound the poller uses (`minTs` = cursor − max event age)
 * for several ages, and no bound. Prints p50/p95 ms; the database is dropped after.
 */
import { benchScale, loadGeneratedEvents, openBenchDatabase, pct, timeRepeats } from './bench-db.js';
import { sql } from './sql.js';

const DAY = 86_400_000;
const { n: N, repeats, start: START, end: END } = benchScale(5, 10);
async function main(): Promise<void> {
  const bench = await openBenchDatabase('paywatch_fbench');
  try {
    const span = END - START;
    await loadGeneratedEvents(
      bench,
      N,
      sql`SELECT concat('evt_', toString(number)), 1, ${START} + intDiv(number * ${span}, ${N}) - 500 AS ts, ts + 500, 'api',
  concat('pay_', toString(number)), 1, 'm_1',
  arrayElement(['stripe', 'adyen', 'alipay', 'paypal'], cityHash64(number, 2) % 4 + 1), 'card', 'web',
  arrayElement(['succeeded', 'succeeded', 'failed', 'pending'], cityHash64(number, 3) % 4 + 1), 1000, 'USD',
  NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 'US', 120, NULL, NULL, NULL, NULL, NULL, NULL
FROM numbers(${N})`,
    );
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
      const { first, ms } = await timeRepeats(repeats, () => bench.store.feed.eventsReceivedSince(q));
      console.log(
        `max event age ${name.padEnd(8)}: ${first.events.length} events, p50 ${pct(ms, 50)} ms, p95 ${pct(ms, 95)} ms`,
      );
    }
  } finally {
    await bench.dispose();
  }
}

await main();
