/**
 * Times "pending longer than N" (the /api/v1/payments/pending query and the stale-pending gauge)
 * on the ClickHouse store over a large table:
 * npx tsx collector/src/store/clickhouse/pending.bench.ts [millionsOfEvents=2] [repeats=5] [database]
 * (needs `scripts/services.sh up`). Rows are generated inside ClickHouse over 30 days, three
 * events per payment (created → pending → a final status for most); `payment_latest` is filled
 * by its view during the load. Prints, over the whole 30 days and over the default 7-day
 * look-back, the total and p50/p95 ms of the page query (limit 100) and of the count alone
 * (limit 0) for: the store's reader (per-day lists kept while a day's parts are unchanged), the
 * previous reader (one statement over every payment-day of the look-back, `previousStaleQuery`),
 * and the raw-table path before both (7 days only beyond 10M events); it checks that all give
 * the same total and page. Before every timed run of the two readers one final event is
 * inserted into today's partition, as live ingest does between two refreshes, so today is read
 * again each time (the other days are kept). Each line also gives the server CPU time per call
 * (user + system over all its statements, from `system.query_log`: little affected by other load
 * on the shared box, unlike wall time) and /proc/loadavg before and after. Without `database` the
 * data goes to a throw-away database dropped after; with it, the database is kept, and a later
 * run naming it reuses the rows instead of loading (a 50M load takes ~10 min here).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { NON_FINAL_STATUSES, type PendingPayment, type PendingPaymentReader } from '../signals.js';
import {
  benchScale,
  loadGeneratedEvents,
  openBenchDatabase,
  pct,
  timeRepeats,
  type BenchDatabase,
} from './bench-db.js';
import { PAYMENT_LATEST } from './migrations.js';
import {
  createClickHousePending,
  latestPayment,
  latestQuery,
  rawStalePaymentsQuery,
} from './pending.clickhouse.js';
import { dayLiteral } from './queries.js';
import { num, str } from './row.js';
import { ident, list, sql, type SqlFragment } from './sql.js';

const { n: N, repeats, start: START, end: END } = benchScale(2, 5);
const KEEP = process.argv[4] ?? null;
const DAY_MS = 86_400_000;

async function rows(bench: BenchDatabase, q: SqlFragment): Promise<Record<string, unknown>[]> {
  const rs = await bench.admin.query({ query: q.text, format: 'JSONEachRow' });
  return rs.json<Record<string, unknown>>();
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/**
 * Statements run with `log_queries` and a query id recorded in `ids()` (the current call's list),
 * to read their CPU time afterwards.
 */
function logged(bench: BenchDatabase, ids: () => string[]) {
  const query = <F extends 'JSONEachRow' | 'JSON'>(q: SqlFragment, format: F) => {
    const id = `pending_bench_${randomUUID()}`;
    ids().push(id);
    return bench.admin.query({
      query: q.text,
      format,
      query_id: id,
      clickhouse_settings: { log_queries: 1 },
    });
  };
  return {
    async rows(q: SqlFragment): Promise<Record<string, unknown>[]> {
      return (await query(q, 'JSONEachRow')).json<Record<string, unknown>>();
    },
    async limited(q: SqlFragment): Promise<{ rows: Record<string, unknown>[]; before: number | null }> {
      const body = await (await query(q, 'JSON')).json<Record<string, unknown>>();
      return { rows: body.data as Record<string, unknown>[], before: num(body.rows_before_limit_at_least) };
    },
  };
}

/** Server CPU ms (user + system) of each group of query ids, from `system.query_log`. */
async function cpuOf(bench: BenchDatabase, calls: string[][]): Promise<number[]> {
  await bench.admin.command({ query: 'SYSTEM FLUSH LOGS' });
  const all = calls.flat();
  const byId = new Map<string, number>();
  for (let i = 0; i < all.length; i += 1000) {
    for (const r of await rows(
      bench,
      sql`SELECT query_id, intDiv(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')]
  + ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')], 1000) AS cpu
FROM system.query_log WHERE type = 2 AND query_id IN ${list(all.slice(i, i + 1000))}`,
    )) {
      byId.set(str(r.query_id) ?? '', num(r.cpu) ?? 0);
    }
  }
  return calls.map((ids) => ids.reduce((a, id) => a + (byId.get(id) ?? 0), 0));
}

/**
 * The previous reader's main statement (replaced by the per-day lists): candidates over every
 * payment-day of the look-back, then their rows by pid grouped by payment_id.
 */
function previousStaleQuery(db: string, before: number, since: number): SqlFragment {
  const from = Math.max(0, Math.floor(since));
  const to = Math.ceil(before);
  const table = sql`${ident(db)}.${ident(PAYMENT_LATEST)}`;
  const days = sql`day >= toDate(${dayLiteral(from)})`;
  return sql`SELECT payment_id, intDiv(om, 2) AS p_ts, toUInt8(fm % 2 != 0) AS p_tie FROM (
  SELECT payment_id, maxMerge(open_mark) AS om, maxMerge(final_mark) AS fm
  FROM ${table}
  WHERE ${days} AND pid IN (
    SELECT pid FROM ${table}
    WHERE ${days} AND finalizeAggregation(open_mark) % 2 != 0
      AND finalizeAggregation(open_mark) >= ${2 * from} AND finalizeAggregation(open_mark) < ${2 * to})
  GROUP BY payment_id
  HAVING om % 2 != 0 AND om >= ${2 * from} AND om < ${2 * to})`;
}

/**
 * The previous reader, as it ran (no tie on the bench data, so without its tie fallback): the
 * stale list with its sorted LIMIT and count, then the page's latest events by primary key.
 */
async function previousPending(
  db: string,
  run: ReturnType<typeof logged>,
  q: { since: number; before: number; limit: number },
): Promise<{ total: number; items: PendingPayment[] }> {
  const head = q.limit + 100;
  const first = await run.limited(
    sql`SELECT payment_id, p_ts, p_tie FROM (${previousStaleQuery(db, q.before, q.since)}) ORDER BY p_tie DESC, p_ts ASC, payment_id ASC LIMIT ${head}`,
  );
  if (first.rows.some((r) => num(r.p_tie) === 1)) throw new Error('ties in the bench data');
  const total = first.rows.length < head ? first.rows.length : (first.before ?? -1);
  const page = first.rows.slice(0, q.limit).map((r) => str(r.payment_id) ?? '');
  if (page.length === 0) return { total, items: [] };
  const latest = new Map<string, PendingPayment>();
  for (const r of await run.rows(latestQuery(db, page, q.since))) {
    const p = latestPayment(r);
    latest.set(p.payment_id, p);
  }
  const items = page.flatMap((id) => {
    const p = latest.get(id);
    return p && NON_FINAL_STATUSES.includes(p.status) && p.ts < q.before ? [p] : [];
  });
  return { total, items };
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
      // Generated events only: the bench's own live events (`live_…`) are left out.
      sql`SELECT countIf(substring(event_id, 1, 4) = 'evt_') AS n, max(ts) AS last FROM ${ident(bench.database)}.payment_events`,
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
    // Live ingest between two refreshes: one succeeded payment in today's partition (not stale,
    // so the answers stay the same), written like any INSERT (the views fill payment_latest).
    let ticks = 0;
    const tick = async () => {
      const id = `live_${Date.now()}_${ticks++}`;
      await bench.admin.command({
        query:
          sql`INSERT INTO ${ident(bench.database)}.payment_events (event_id, v, ts, received_at, source, payment_id, attempt,
  merchant_id, provider, method, channel, status, amount_minor, currency, has_card, country, latency_ms)
VALUES (${id}, 1, ${end - 60_000}, ${end - 60_000}, 'api', ${id}, 1, 'm_1', 'stripe', 'card', 'web', 'succeeded', 1000, 'USD', 0, 'US', 120)`
            .text,
      });
    };
    // One reader for the whole run, as in the store: its per-day lists carry over between calls.
    let current: string[] = [];
    const store: PendingPaymentReader = createClickHousePending(
      bench.database,
      logged(bench, () => current),
    );
    // The whole 30 days, and the default look-back (PAYWATCH_PENDING_LOOKBACK = 7d).
    for (const [lookback, since] of [
      ['30 d', start],
      ['7 d', end - 7 * DAY_MS],
    ] as const) {
      for (const limit of [100, 0]) {
        const q = { since, before, limit };
        const loadBefore = load();
        // Cold: every day read (a new process, or the first refresh of a look-back).
        const coldIds: string[] = [];
        const coldT = performance.now();
        const cold = await createClickHousePending(
          bench.database,
          logged(bench, () => coldIds),
        ).pendingPayments(q);
        const coldMs = performance.now() - coldT;
        await store.pendingPayments(q);
        const prevFirst = await previousPending(
          bench.database,
          logged(bench, () => []),
          q,
        );
        // Interleaved, each after a live insert: the store's reader, then the previous one.
        const newMs: number[] = [];
        const prevMs: number[] = [];
        const newCalls: string[][] = [];
        const prevCalls: string[][] = [];
        let first = cold;
        for (let r = 0; r < repeats; r++) {
          await tick();
          current = [];
          let t = performance.now();
          first = await store.pendingPayments(q);
          newMs.push(performance.now() - t);
          newCalls.push(current);
          await tick();
          const pids: string[] = [];
          t = performance.now();
          await previousPending(
            bench.database,
            logged(bench, () => pids),
            q,
          );
          prevMs.push(performance.now() - t);
          prevCalls.push(pids);
        }
        const [coldCpu] = await cpuOf(bench, [coldIds]);
        const newCpu = await cpuOf(bench, newCalls);
        const prevCpu = await cpuOf(bench, prevCalls);
        const sameAsPrevious =
          first.total === prevFirst.total &&
          cold.total === first.total &&
          JSON.stringify(first.items) === JSON.stringify(prevFirst.items) &&
          JSON.stringify(cold.items) === JSON.stringify(first.items);
        const figures =
          `store p50 ${pct(newMs, 50)} ms, p95 ${pct(newMs, 95)} ms (CPU p50 ${pct(newCpu, 50)}, p95 ${pct(newCpu, 95)} ms; ` +
          `cold ${coldMs.toFixed(0)} ms, CPU ${coldCpu} ms); previous p50 ${pct(prevMs, 50)} ms, p95 ${pct(prevMs, 95)} ms ` +
          `(CPU p50 ${pct(prevCpu, 50)}, p95 ${pct(prevCpu, 95)} ms); same as previous: ${sameAsPrevious}`;
        if (!sameAsPrevious) process.exitCode = 1;
        // The raw path over 30 days takes minutes per run beyond 10M events: 7 days only there.
        if (lookback === '30 d' && N > 10_000_000) {
          console.log(
            `pending, look-back ${lookback} (limit ${limit}): total ${first.total}, ${first.items.length} items; ` +
              `${figures}; raw not run; loadavg ${loadBefore} -> ${load()}`,
          );
          continue;
        }
        const raw = await timeRepeats(repeats, () => rawPending(bench, q));
        const same =
          first.total === raw.first.total && JSON.stringify(first.items) === JSON.stringify(raw.first.items);
        console.log(
          `pending, look-back ${lookback} (limit ${limit}): total ${first.total}, ${first.items.length} items; ${figures}; ` +
            `raw p50 ${pct(raw.ms, 50)} ms, p95 ${pct(raw.ms, 95)} ms; same as raw: ${same}; loadavg ${loadBefore} -> ${load()}`,
        );
        if (!same) process.exitCode = 1;
      }
    }
  } finally {
    await bench.dispose();
  }
}

await main();
