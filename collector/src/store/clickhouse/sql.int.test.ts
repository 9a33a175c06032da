// Guards the binding helper against the real server: every awkward or huge string comes back from ClickHouse byte for byte.
import { createClient } from '@clickhouse/client';
import { afterAll, describe, expect, it } from 'vitest';
import { assertClickHouseUp, clickhouseEndpoint } from '../../../test/services.js';
import { AWKWARD_STRINGS } from '../contract/events.js';
import { literal, sql } from './sql.js';

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

  it('a 1 MB string full of escapes survives', async () => {
    const long = "q'b\\n\0日".repeat(150_000);
    expect(await echo(long)).toBe(long);
  });
});
