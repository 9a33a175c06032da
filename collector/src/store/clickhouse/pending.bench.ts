/**
 * Times "pending longer than N" (the /api/v1/payments/pending query and the stale-pending gauge)
 * on the ClickHouse store over a large table:
 * npx tsx collector/src/store/clickhouse/pending.bench.ts [millionsOfEvents=2] [repeats=5] [database]
 * (needs `scripts/services.sh up`). Rows are generated inside ClickHouse over 30 days, three
 * events per payment (created → pending → a final status for most); `payment_latest` is filled
 * by its view during the load. Prints, over the whole 30 days and over the default 7-day
 * look-back, the total and p50/p95 ms of the page query (limit 100) and of the count alone
 * (limit 0) — the store's path (payment_latest) and, in the same run, the raw-table path it
 * replaced (7 days only beyond 10M events) — and checks that both give the same total and
 * page. Without `database` the data goes to a throw-away database dropped after; with it, the
 * database is kept, and a later run naming it reuses the rows instead of loading (a 50M load
 * takes ~10 min here).
 */
import { NON_FINAL_STATUSES, type PendingPayment } from '../signals.js';
import {
  benchScale,
  loadGeneratedEvents,
  openBenchDatabase,
  pct,
  timeRepeats,
  type BenchDatabase,
} from './bench-db.js';
import { rawStalePaymentsQuery } from './pending.clickhouse.js';
import { num, str } from './row.js';
import { ident, list, sql, type SqlFragment } from './sql.js';

const { n: N, repeats, start: START, end: END } = benchScale(2, 5);
const KEEP = process.argv[4] ?? null;

async function rows(bench: BenchDatabase, q: SqlFragment): Promise<Record<string, unknown>[]> {
  const rs = await bench.admin.query({ query: q.text, format: 'JSONEachRow' });
  return rs.json<Record<string, unknown>>();
}

/**
 * The path `payment_latest` replaced (count and page over the raw rows, run together, then the
 * page's latest events by id from the raw table): the "before" figures, same run, same load.
 */
async function rawPending(
  bench: BenchDatabase,
  q: { since: number; before: number; limit: number },
): Promise<{ total: number; items: PendingPayment[] }> {
  const stale = rawStalePaymentsQuery(bench.database, q.before, q.since);
  const [counted, page] = await Promise.all([
    rows(bench, sql`SELECT count() AS total FROM (${stale})`),
    q.limit === 0
      ? Promise.resolve([])
      : rows(
          bench,
          sql`SELECT payment_id FROM (${stale}) ORDER BY p_ts ASC, payment_id ASC LIMIT ${q.limit}`,
        ),
  ]);
  const ids = page.map((r) => str(r.payment_id) ?? '');
  const latest = new Map<string, PendingPayment>();
  if (ids.length > 0) {
    for (const r of await rows(
      bench,
      sql`SELECT payment_id,
  argMax(tuple(status, ts, provider, merchant_id, method, amount_minor, currency), tuple(ts, attempt, event_id)) AS l
FROM ${ident(bench.database)}.payment_events WHERE payment_id IN ${list(ids)} GROUP BY payment_id`,
    )) {
      const l = r.l as unknown[];
      latest.set(str(r.payment_id) ?? '', {
        payment_id: str(r.payment_id) ?? '',
        status: str(l[0]) as PendingPayment['status'],
        ts: num(l[1]) ?? 0,
        provider: str(l[2]) ?? '',
        merchant_id: str(l[3]) ?? '',
        method: str(l[4]) ?? '',
        amount_minor: num(l[5]) ?? 0,
        currency: str(l[6]) ?? '',
      });
    }
  }
  const items = ids.flatMap((id) => {
    const p = latest.get(id);
    return p && NON_FINAL_STATUSES.includes(p.status) ? [p] : [];
  });
  return { total: num(counted[0]?.total) ?? 0, items };
}

async function main(): Promise<void> {
  const bench = await openBenchDatabase('paywatch_pbench', KEEP);
  try {
    const [have] = await rows(
      bench,
      sql`SELECT count() AS n, max(ts) AS last FROM ${ident(bench.database)}.payment_events`,
    );
    let end = END;
    let start = START;
    if ((num(have?.n) ?? 0) > 0) {
      // A load cut short (the bench killed mid-INSERT) leaves fewer rows: not a run to reuse.
      if (num(have?.n) !== N) {
        throw new Error(
          `${bench.database} holds ${num(have?.n)} events, not ${N}: drop it or name another database`,
        );
      }
      // Reused rows: the window is the one they were generated for.
      end = Math.ceil(((num(have?.last) ?? END) + 1) / 60_000) * 60_000;
      start = end - (END - START);
      console.log(`reusing ${num(have?.n)} events in ${bench.database}`);
    } else {
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
    }
    // Time the merged state a table reaches a few minutes after a load, not the merges themselves.
    for (let i = 0; i < 600; i++) {
      const [m] = await rows(
        bench,
        sql`SELECT count() AS n FROM system.merges WHERE database = ${bench.database}`,
      );
      if ((num(m?.n) ?? 0) === 0) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    const [parts] = await rows(
      bench,
      sql`SELECT count() AS parts, sum(rows) AS rows FROM system.parts
WHERE database = ${bench.database} AND table = 'payment_latest' AND active`,
    );
    console.log(`payment_latest: ${num(parts?.rows)} rows in ${num(parts?.parts)} parts`);
    const before = end - 15 * 60_000;
    // The whole 30 days, and the default look-back (PAYWATCH_PENDING_LOOKBACK = 7d).
    for (const [lookback, since] of [
      ['30 d', start],
      ['7 d', end - 7 * 86_400_000],
    ] as const) {
      for (const limit of [100, 0]) {
        const q = { since, before, limit };
        const store = await timeRepeats(repeats, () => bench.store.pending.pendingPayments(q));
        // The raw path over 30 days takes minutes per run beyond 10M events: 7 days only there.
        if (lookback === '30 d' && N > 10_000_000) {
          console.log(
            `pending, look-back ${lookback} (limit ${limit}): total ${store.first.total}, ${store.first.items.length} items; ` +
              `payment_latest p50 ${pct(store.ms, 50)} ms, p95 ${pct(store.ms, 95)} ms; raw not run`,
          );
          continue;
        }
        const raw = await timeRepeats(repeats, () => rawPending(bench, q));
        const same =
          store.first.total === raw.first.total &&
          JSON.stringify(store.first.items) === JSON.stringify(raw.first.items);
        console.log(
          `pending, look-back ${lookback} (limit ${limit}): total ${store.first.total}, ${store.first.items.length} items; ` +
            `payment_latest p50 ${pct(store.ms, 50)} ms, p95 ${pct(store.ms, 95)} ms; ` +
            `raw p50 ${pct(raw.ms, 50)} ms, p95 ${pct(raw.ms, 95)} ms; same answer: ${same}`,
        );
        if (!same) process.exitCode = 1;
      }
    }
  } finally {
    if (KEEP === null) await bench.dispose();
    else {
      await bench.store.stop();
      await bench.admin.close();
    }
  }
}

await main();
