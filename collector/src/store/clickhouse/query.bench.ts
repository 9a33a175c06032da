/**
 * Times the dashboard queries on the ClickHouse store over a large generated data set:
 *   npx tsx collector/src/store/clickhouse/query.bench.ts [millionsOfEvents=10] [repeats=15]
 * (needs `scripts/services.sh up`). Rows are generated inside ClickHouse (INSERT … SELECT from
 * numbers(), through the same table, key index and rollup views as live ingest), spread over 30
 * days, with skewed dimensions like real traffic (a few providers, countries and merchants carry
 * most payments). Then each query runs `repeats` times through the store: overview (30 days), time series
 * by provider (30 days, 1 h buckets), top failure categories (30 days; raw table), transaction
 * search (newest page, last hour, filtered), breakdown by merchant (7 days). Prints p50/p95 and
 * saves them to bench/results/clickhouse-query-<n>M-<time>.json. The database is dropped after.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { REPO_DIR } from '../../../test/services.js';
import { openBenchDatabase, pct } from './bench-db.js';
import { ident, raw, sql } from './sql.js';

const millions = Number(process.argv[2] ?? 10);
const repeats = Number(process.argv[3] ?? 15);
const N = Math.round(millions * 1_000_000);
const DAY = 86_400_000;
const END = Math.floor(Date.now() / 60_000) * 60_000;
const START = END - 30 * DAY;
async function main(): Promise<void> {
  const { admin, store, database, dispose } = await openBenchDatabase('paywatch_qbench');
  const results: Record<string, unknown> = {
    events: N,
    repeats,
    cpus: cpus().length,
    at: new Date().toISOString(),
  };
  try {
    const t0 = performance.now();
    const span = END - START;
    // Deterministic pseudo-random columns from cityHash64(number, k).
    const h = (k: number) => `cityHash64(number, ${k})`;
    const pick = (xs: string[], k: number) =>
      `arrayElement([${xs.map((x) => `'${x}'`).join(', ')}], ${h(k)} % ${xs.length} + 1)`;
    const status = pick(
      [
        'succeeded',
        'succeeded',
        'succeeded',
        'succeeded',
        'succeeded',
        'succeeded',
        'captured',
        'failed',
        'failed',
        'created',
        'pending',
      ],
      3,
    );
    const insert = sql`INSERT INTO ${ident(database)}.payment_events
(event_id, v, ts, received_at, source, payment_id, attempt, merchant_id, provider, method, channel, status, amount_minor, currency,
 failure_category, failure_code, failure_message, has_card, card_brand, card_bin, card_last4, card_issuer_country, card_funding,
 card_wallet, country, latency_ms, customer_ref, device_ref, ip_ref, user_level, risk_score, metadata)
SELECT concat('evt_', toString(number)) AS event_id, 1, ${START} + intDiv(number * ${span}, ${N}) AS ts, ts + 500, 'api',
  concat('pay_', toString(intDiv(number, 2))), 1, concat('m_', toString(toUInt32(pow((${raw(h(1))} % 1000000) / 1000000, 4) * 200))),
  ${raw(pick(['stripe', 'stripe', 'stripe', 'stripe', 'adyen', 'adyen', 'adyen', 'alipay', 'alipay', 'wechatpay', 'paypal', 'checkout'], 2))},
  ${raw(pick(['card', 'card', 'card', 'apple_pay', 'google_pay', 'alipay', 'wechat_pay'], 4))},
  ${raw(pick(['web', 'ios', 'android', 'pos'], 5))}, ${raw(status)} AS st, ${raw(h(6))} % 50000,
  ${raw(pick(['USD', 'EUR', 'JPY', 'CNY', 'GBP'], 7))},
  if(st = 'failed', ${raw(pick(['insufficient_funds', 'do_not_honor', 'card_expired', 'fraud_suspected', 'timeout', 'provider_error'], 8))}, NULL),
  if(st = 'failed', toString(${raw(h(9))} % 40), NULL), NULL,
  1, ${raw(pick(['visa', 'mastercard', 'amex', 'jcb', 'unionpay'], 10))}, '424242', '4242', 'US', 'credit', NULL,
  ${raw(pick(['US', 'US', 'US', 'US', 'CN', 'CN', 'CN', 'DE', 'JP', 'GB', 'BR', 'IN'], 11))},
  if(st IN ('succeeded', 'captured', 'failed'), toFloat64(50 + ${raw(h(12))} % 2000), NULL),
  NULL, NULL, NULL, NULL, NULL, NULL
FROM numbers(${N})`;
    await admin.command({ query: insert.text, clickhouse_settings: { max_memory_usage: '8000000000' } });
    results.load_seconds = +((performance.now() - t0) / 1000).toFixed(1);
    console.log(`loaded ${N} events in ${String(results.load_seconds)} s`);

    const last30 = { from: START, to: END, filters: {} };
    const queries: Record<string, () => Promise<unknown>> = {
      overview_30d: () => store.overview(last30),
      timeseries_30d_by_provider_1h: () =>
        store.timeseries({ ...last30, bucketMs: 3_600_000, groupBy: 'provider' }),
      failures_30d: () => store.failures(last30),
      breakdown_7d_by_merchant: () =>
        store.breakdown({ from: END - 7 * DAY, to: END, filters: {}, dimension: 'merchant_id', limit: 20 }),
      transactions_last_hour_filtered: () =>
        store.transactions({
          from: END - 3_600_000,
          to: END,
          filters: { provider: ['stripe'], status: ['failed'] },
          limit: 50,
          cursor: null,
        }),
      transactions_30d_newest: () => store.transactions({ ...last30, limit: 50, cursor: null }),
      payment_timeline: () => store.paymentTimeline(`pay_${Math.floor(N / 3)}`),
    };
    const timings: Record<string, { p50_ms: number; p95_ms: number; source: string }> = {};
    for (const [name, fn] of Object.entries(queries)) {
      await fn(); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
      }
      timings[name] = {
        p50_ms: pct(ms, 50),
        p95_ms: pct(ms, 95),
        source:
          name.startsWith('overview') || name.startsWith('timeseries') || name.startsWith('breakdown')
            ? store.sourceFor(last30)
            : 'raw',
      };
      console.log(name, timings[name]);
    }
    results.queries = timings;
    const out = path.join(REPO_DIR, 'bench', 'results');
    await mkdir(out, { recursive: true });
    await writeFile(
      path.join(out, `clickhouse-query-${millions}M-${results.at as string}.json`.replace(/:/g, '-')),
      JSON.stringify(results, null, 2) + '\n',
    );
  } finally {
    await dispose();
  }
}

await main();
