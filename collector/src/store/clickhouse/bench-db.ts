import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { clickhouseEndpoint } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { createClickHouseStore } from './clickhouse.store.js';
import { ident, raw, sql, type SqlFragment } from './sql.js';

/** Percentile of a sample (nearest rank), rounded to 0.1 — for benchmark reports. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return +(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number).toFixed(1);
}

/** A throw-away database on the test ClickHouse (scripts/services.sh): a started store plus an admin client. */
export interface BenchDatabase {
  database: string;
  admin: ClickHouseClient;
  store: ReturnType<typeof createClickHouseStore>;
  /** Stops the store, drops the database (unless it was an existing one, given to reuse), closes the client. */
  dispose(): Promise<void>;
}

/** Opens a new throw-away database named `<prefix>_<now>`, or the existing `database` when given. */
export async function openBenchDatabase(
  prefix: string,
  database: string | null = null,
): Promise<BenchDatabase> {
  const ep = clickhouseEndpoint();
  const name = database ?? `${prefix}_${Date.now()}`;
  const admin = createClient({
    url: ep.url,
    username: ep.username,
    password: ep.password,
    request_timeout: 3_600_000,
  });
  const store = createClickHouseStore(
    { ...ep, database: name, requestTimeoutMs: 600_000 },
    { logger: createLogger({ level: 'silent' }) },
  );
  await store.start();
  return {
    database: name,
    admin,
    store,
    async dispose() {
      await store.stop();
      if (database === null)
        await admin
          .command({ query: sql`DROP DATABASE IF EXISTS ${ident(name)}`.text })
          .catch(() => undefined);
      await admin.close();
    },
  };
}

const DAY_MS = 86_400_000;

/** Size and time window of a payment-events bench: `[millionsOfEvents] [repeats]` from argv, else the defaults. */
export interface BenchScale {
  /** Events to generate. */
  n: number;
  repeats: number;
  /** The generated events span the 30 days `[start, end)`; `end` is the current minute. */
  start: number;
  end: number;
}

/** Reads `[millionsOfEvents] [repeats]` from the command line (defaults given) over a 30-day window ending now. */
export function benchScale(defaultMillions: number, defaultRepeats: number): BenchScale {
  const millions = Number(process.argv[2] ?? defaultMillions);
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  return {
    n: Math.round(millions * 1_000_000),
    repeats: Number(process.argv[3] ?? defaultRepeats),
    start: end - 30 * DAY_MS,
    end,
  };
}

/** Every column of `payment_events`, in the order a generated SELECT must produce them. */
const PAYMENT_EVENT_COLUMNS =
  raw(`(event_id, v, ts, received_at, source, payment_id, attempt, merchant_id, provider, method, channel, status, amount_minor, currency,
 failure_category, failure_code, failure_message, has_card, card_brand, card_bin, card_last4, card_issuer_country, card_funding,
 card_wallet, country, latency_ms, customer_ref, device_ref, ip_ref, user_level, risk_score, metadata)`);

/** Fills the bench database's `payment_events` with `n` rows from `select` (every column, in order) and logs the time taken. */
export async function loadGeneratedEvents(
  bench: BenchDatabase,
  n: number,
  select: SqlFragment,
): Promise<void> {
  const t0 = performance.now();
  await bench.admin.command({
    query: sql`INSERT INTO ${ident(bench.database)}.payment_events
${PAYMENT_EVENT_COLUMNS}
${select}`.text,
  });
  console.log(`loaded ${n} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Runs `job` once to warm up, then `repeats` times timed: the warm-up's result and the times in ms. */
export async function timeRepeats<T>(
  repeats: number,
  job: () => Promise<T>,
): Promise<{ first: T; ms: number[] }> {
  const first = await job();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await job();
    ms.push(performance.now() - t);
  }
  return { first, ms };
}

/**
 * The column list and SELECT of `count` generated payment events (numbers `from …`, out of `n`
 * spread evenly over [start, end)), for `INSERT INTO payment_events <this>`. Deterministic
 * pseudo-random columns from cityHash64(number, k), skewed like real traffic: a few providers,
 * countries and merchants carry most payments; latencies 50–2 049 ms on outcome statuses.
 */
export function generatedEvents(
  start: number,
  end: number,
  n: number,
  from: number,
  count: number,
): SqlFragment {
  const span = end - start;
  const h = (k: number) => `cityHash64(number, ${k})`;
  const pick = (xs: string[], k: number) =>
    raw(`arrayElement([${xs.map((x) => `'${x}'`).join(', ')}], ${h(k)} % ${xs.length} + 1)`);
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
  return sql`${PAYMENT_EVENT_COLUMNS}
SELECT concat('evt_', toString(number)) AS event_id, 1, ${start} + intDiv(number * ${span}, ${n}) AS ts, ts + 500, 'api',
  concat('pay_', toString(intDiv(number, 2))), 1, concat('m_', toString(toUInt32(pow((${raw(h(1))} % 1000000) / 1000000, 4) * 200))),
  ${pick(['stripe', 'stripe', 'stripe', 'stripe', 'adyen', 'adyen', 'adyen', 'alipay', 'alipay', 'wechatpay', 'paypal', 'checkout'], 2)},
  ${pick(['card', 'card', 'card', 'apple_pay', 'google_pay', 'alipay', 'wechat_pay'], 4)},
  ${pick(['web', 'ios', 'android', 'pos'], 5)}, ${status} AS st, ${raw(h(6))} % 50000,
  ${pick(['USD', 'EUR', 'JPY', 'CNY', 'GBP'], 7)},
  if(st = 'failed', ${pick(['insufficient_funds', 'do_not_honor', 'card_expired', 'fraud_suspected', 'timeout', 'provider_error'], 8)}, NULL),
  if(st = 'failed', toString(${raw(h(9))} % 40), NULL), NULL,
  1, ${pick(['visa', 'mastercard', 'amex', 'jcb', 'unionpay'], 10)}, '424242', '4242', 'US', 'credit', NULL,
  ${pick(['US', 'US', 'US', 'US', 'CN', 'CN', 'CN', 'DE', 'JP', 'GB', 'BR', 'IN'], 11)},
  if(st IN ('succeeded', 'captured', 'failed'), toFloat64(50 + ${raw(h(12))} % 2000), NULL),
  NULL, NULL, NULL, NULL, NULL, NULL
FROM (SELECT number + ${from} AS number FROM numbers(${count}))`;
}
