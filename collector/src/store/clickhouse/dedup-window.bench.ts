/**
 * Measures the drain's duplicate check (`existingIdsQuery`) against a large key index, by window:
 *   npx tsx collector/src/store/clickhouse/dedup-window.bench.ts [millionsOfKeys] [repeats] [database]
 * (needs `scripts/services.sh up`). Fills `event_keys` of a throw-away database with
 * `millionsOfKeys` random ids spread evenly over the 30 days ending today (INSERT … SELECT from
 * numbers(), one day per statement, then OPTIMIZE FINAL), then times the check of a 5 000-id live
 * batch (ids not stored but shaped like the stored ones, ts = now) unbounded and with windows of 1, 2 and 3 days, alternated,
 * reading read_rows and query_duration_ms from system.query_log. Pass `database` to reuse a
 * filled one (it is then kept).
 */
import { randomBytes } from 'node:crypto';
import { openBenchDatabase, pct } from './bench-db.js';
import { existingIdsQuery } from './queries.js';
import { ident, sql } from './sql.js';

const millions = Number(process.argv[2] ?? 12);
const repeats = Number(process.argv[3] ?? 7);
const reuse = process.argv[4] ?? null;
const WINDOWS: (number | null)[] = [null, 1, 2, 3];

const bench = await openBenchDatabase('dedup_window', reuse);
const db = bench.database;
const q = async <T>(query: string): Promise<T[]> =>
  (await bench.admin.query({ query, format: 'JSONEachRow' })).json<T>();

try {
  const [have] = await q<{ n: string }>(sql`SELECT count() AS n FROM ${ident(db)}.event_keys`.text);
  if (Number(have?.n ?? 0) === 0) {
    const perDay = Math.round((millions * 1_000_000) / 30);
    const t0 = performance.now();
    for (let d = 0; d < 30; d++) {
      await bench.admin.command({
        query: `INSERT INTO ${db}.event_keys (event_id, day)
SELECT concat('evt_', hex(cityHash64(number, ${d})), hex(cityHash64(number, ${d + 100}))), today() - ${d}
FROM numbers(${perDay})`,
      });
    }
    await bench.admin.command({ query: `OPTIMIZE TABLE ${db}.event_keys FINAL` });
    console.log(`loaded ${perDay * 30} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const [size] = await q<{ keys: string; parts: string }>(
    `SELECT sum(rows) AS keys, count() AS parts FROM system.parts WHERE database = '${db}' AND table = 'event_keys' AND active`,
  );
  console.log(`event_keys: ${size?.keys} keys in ${size?.parts} active parts`);

  const label = (w: number | null) => (w === null ? 'unbounded' : `W=${w}`);
  const byWindow = new Map<string, { ms: number[]; serverMs: number[]; readRows: number[] }>();
  for (let r = 0; r < repeats + 1; r++) {
    for (const w of WINDOWS) {
      const now = Date.now();
      const batch = Array.from({ length: 5_000 }, (_, i) => ({
        // Same shape as the stored ids, so they fall between them in the ORDER BY (as real ids do).
        event_id: `evt_${randomBytes(16).toString('hex').toUpperCase()}`,
        ts: now - i * 10,
      }));
      const queryId = `dedupwin_${label(w)}_${r}_${now}`;
      const t = performance.now();
      const rs = await bench.admin.query({
        query: existingIdsQuery(db, batch, w, false).text,
        format: 'JSONEachRow',
        query_id: queryId,
        clickhouse_settings: { log_queries: 1, max_query_size: '10000000' },
      });
      const found = await rs.json<unknown>();
      const ms = performance.now() - t;
      if (found.length !== 0) throw new Error(`live ids found stored: ${found.length}`);
      if (r === 0) continue; // warm-up round
      const e = byWindow.get(label(w)) ?? { ms: [], serverMs: [], readRows: [] };
      e.ms.push(ms);
      byWindow.set(label(w), e);
      let log: { read_rows: string; query_duration_ms: string } | undefined;
      for (let tries = 0; log === undefined && tries < 20; tries++) {
        if (tries > 0) await new Promise((res) => setTimeout(res, 250));
        await bench.admin.command({ query: 'SYSTEM FLUSH LOGS' });
        [log] = await q<{ read_rows: string; query_duration_ms: string }>(
          `SELECT read_rows, query_duration_ms FROM system.query_log WHERE query_id = '${queryId}' AND type = 2`,
        );
      }
      e.serverMs.push(Number(log?.query_duration_ms ?? NaN));
      e.readRows.push(Number(log?.read_rows ?? NaN));
    }
  }
  for (const [w, e] of byWindow) {
    console.log(
      `${w.padEnd(9)} read_rows median ${pct(e.readRows, 50)}  server ms median ${pct(e.serverMs, 50)} (min ${Math.min(...e.serverMs)}, max ${Math.max(...e.serverMs)})  wall ms median ${pct(e.ms, 50)}`,
    );
  }
} finally {
  await bench.dispose();
}
