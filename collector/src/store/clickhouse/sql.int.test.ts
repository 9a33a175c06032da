// Guards the binding helper against the real server: every awkward or huge string comes back from ClickHouse byte for byte, and a value set matches exactly what an IN list matches.
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { AWKWARD_STRINGS } from '../contract/events.js';
import { list, literal, sql, valueSet } from './sql.js';

const ep = clickhouseEndpoint();
const client = createClient({ url: ep.url, username: ep.username, password: ep.password });
afterAll(() => client.close());

async function echo(s: string): Promise<string> {
  const rs = await client.query({
    query: sql`SELECT ${s} AS s`.text,
    format: 'JSONEachRow',
    clickhouse_settings: { max_query_size: String(64 * 1024 * 1024) },
  });
  const rows = await rs.json<{ s: string }>();
  return rows[0]?.s as string;
}

describe('literal() on a real ClickHouse', () => {
  it('server reads back exactly what was bound', async () => {
    await assertClickHouseUp(ep);
    const samples = [
      ...AWKWARD_STRINGS,
      '',
      "'",
      '\\',
      "\\\\'",
      '\x01\x02\x1f\x7f',
      "'; SELECT 1; --",
      '\u00e9\u0301 Ω 𝄞',
    ];
    for (const s of samples) expect(await echo(s), literal(s)).toBe(s);
  });

  it('a value set matches exactly the strings an IN list matches (the duplicate check binds ids so)', async () => {
    await assertClickHouseUp(ep);
    const members = [
      ...AWKWARD_STRINGS,
      '',
      "'",
      '\\',
      '\x01\x7f',
      '\u00e9\u0301 Ω 𝄞',
      'lone \ud800 surrogate',
    ];
    // Probes: every member, and near misses (a suffix, a prefix before NUL, an unescaped variant, another surrogate).
    const probes = [
      ...members,
      ...members.map((m) => `${m}x`),
      'nul',
      AWKWARD_STRINGS[2].replace('\\n', '\n'),
      'lone \ud801 surrogate',
      'lone \ufffd surrogate',
    ];
    const rs = await client.query({
      query: sql`SELECT s, s IN ${valueSet(members)} AS in_set, s IN ${list(members)} AS in_list
FROM (SELECT arrayJoin(${probes}) AS s)`.text,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ s: string; in_set: number; in_list: number }>();
    expect(rows).toHaveLength(probes.length);
    for (const r of rows) expect(r.in_set, JSON.stringify(r.s)).toBe(r.in_list);
    const matched = rows.filter((r) => r.in_set === 1).map((r) => r.s);
    // Both bind through literal(): a lone surrogate is written as U+FFFD, so it matches that too.
    expect(new Set(matched)).toEqual(new Set([...members.map((m) => m.replace('\ud800', '\ufffd'))]));
  });

  it('a 1 MB string full of escapes survives', async () => {
    const long = "q'b\\n\0日".repeat(150_000);
    expect(await echo(long)).toBe(long);
  });
});
