// Guards `paywatch backup`/`restore`/`users` on the embedded store: backup → wipe the data dir → restore gives identical counts and sums through the read API; a locked store is explained.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Breakdown, Overview } from '@paywatch/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { inputEvent, ndjson, startTestServer } from './harness.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'paywatch.mjs');
const HASH_KEY = 'integration-test-hash-key-0123456789';
const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
const cli = (args: string[], dataDir: string) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PAYWATCH_DATA_DIR: dataDir,
      PAYWATCH_HASH_KEY: HASH_KEY,
      PAYWATCH_LOG_LEVEL: 'warn',
    },
    timeout: 90_000,
  });
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('paywatch backup / restore', () => {
  it('backup → wipe → restore gives identical counts and sums', async () => {
    const dataDir = tmp('pw-bk-data-');
    const backupDir = tmp('pw-bk-out-');
    const range = `from=${Date.now() - 5 * 86_400_000}&to=${Date.now() + 60_000}`;
    const snapshot = async (s: Awaited<ReturnType<typeof startTestServer>>) => ({
      overview: (await s.get<Overview>(`/api/v1/overview?${range}`)).body,
      providers: (await s.get<Breakdown>(`/api/v1/breakdown?${range}&dimension=provider`)).body,
      currencies: (await s.get<Breakdown>(`/api/v1/breakdown?${range}&dimension=currency`)).body,
    });

    const s = await startTestServer({ PAYWATCH_DATA_DIR: dataDir });
    const events = Array.from({ length: 3000 }, (_, i) =>
      inputEvent(i, { ts: Date.now() - (i % 4) * 86_400_000 - 1000, currency: ['USD', 'EUR', 'JPY'][i % 3] }),
    );
    expect((await s.post('/v1/events', ndjson(events))).status).toBe(200);
    const before = await snapshot(s);
    expect(before.overview.attempts).toBe(3000);

    // While the collector runs, the embedded store is locked: the CLI says what to do.
    const locked = cli(['backup', '--to', backupDir], dataDir);
    expect(locked.status).toBe(1);
    expect(locked.stderr).toMatch(/stop it first|PAYWATCH_BACKUP_DIR/);
    await s.close();

    const b = cli(['backup', '--to', backupDir], dataDir);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/full backup of the embedded store: 3000 events in 4 day file/);
    expect(readdirSync(join(backupDir, 'events'))).toHaveLength(4);
    const inc = cli(['backup', '--to', backupDir, '--incremental', '--lookback-days', '0'], dataDir);
    expect(inc.status, inc.stderr).toBe(0);
    expect(inc.stdout).toMatch(/incremental backup of the embedded store: \d+ events in 1 day file/);

    rmSync(dataDir, { recursive: true, force: true }); // wipe everything: events, users, keys, hash key file
    const r = cli(['restore', '--from', backupDir], dataDir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('restored 3000 events');

    const again = await startTestServer({ PAYWATCH_DATA_DIR: dataDir });
    try {
      expect(await snapshot(again)).toEqual(before);
    } finally {
      await again.close();
    }
    const users = cli(['users', 'list'], dataDir);
    expect(users.status, users.stderr).toBe(0);
    expect(users.stdout).toMatch(/^admin\s+admin\s+enabled/m);
  });
});
