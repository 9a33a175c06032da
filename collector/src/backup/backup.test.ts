// Guards backup and restore of the embedded store: backup → wipe → restore gives identical counts, sums and ids; incremental runs; damaged files are refused; erasure reaches backups.
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentEvent } from '@paywatch/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { createEmbeddedStore } from '../store/embedded/index.js';
import type { Store } from '../store/types.js';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { openSecurityDb } from '../auth/security-db.js';
import { createEmbeddedAuditLog } from '../audit/embedded-audit.js';
import { backupAudit, backupEvents, eraseFromBackup, readManifest, restoreEvents } from './backup.js';
import { allIds, lifecycleEvents } from './eraser-contract.js';

const logger = createLogger({ level: 'silent' });
const dirs: string[] = [];
const stores: Store[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pw-backup-'));
  dirs.push(d);
  return d;
}
async function freshStore(dataDir?: string): Promise<Store> {
  const s = createEmbeddedStore({ dataDir: dataDir ?? (await tmp()) }, { logger });
  stores.push(s);
  await s.start();
  return s;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const ALL = { from: 0, to: Number.MAX_SAFE_INTEGER, filters: {} };
/** What a user would compare: totals, GMV per currency, per-provider counts, and every id. */
async function fingerprint(s: Store) {
  return {
    overview: await s.overview(ALL),
    providers: await s.breakdown({ ...ALL, dimension: 'provider', limit: 100 }),
    ids: await allIds(s),
  };
}
const gmvOf = (events: PaymentEvent[]) => {
  const g: Record<string, number> = {};
  for (const e of events)
    if (e.status === 'succeeded' || e.status === 'captured')
      g[e.currency] = (g[e.currency] ?? 0) + e.amount_minor;
  return g;
};

describe('backup and restore (embedded)', () => {
  it('backup → wipe → restore gives identical counts, sums and ids', async () => {
    const events = lifecycleEvents();
    const dataDir = await tmp();
    const src = await freshStore(dataDir);
    await src.write(events);
    const before = await fingerprint(src);
    expect(before.ids).toHaveLength(events.length);
    expect(before.overview.gmv_minor).toEqual(gmvOf(events));

    const dir = await tmp();
    const b = await backupEvents(src, dir, { incremental: false });
    expect(b.kind).toBe('full');
    expect(b.events).toBe(events.length);
    const m = readManifest(dir)!;
    expect(Object.keys(m.days).sort()).toEqual(
      [...new Set(events.map((e) => new Date(e.ts).toISOString().slice(0, 10)))].sort(),
    );
    expect(Object.values(m.days).reduce((n, d) => n + d.events, 0)).toBe(events.length);
    // Wipe: stop and delete the whole data directory, then restore into a new store there.
    await src.stop();
    await rm(dataDir, { recursive: true, force: true });
    const dst = await freshStore(dataDir);
    expect(await allIds(dst)).toEqual([]);
    const r = await restoreEvents(dst, dir);
    expect(r).toMatchObject({
      read: events.length,
      inserted: events.length,
      duplicates: 0,
      skippedErased: 0,
    });
    expect(await fingerprint(dst)).toEqual(before);
    // Restoring twice changes nothing.
    expect((await restoreEvents(dst, dir)).inserted).toBe(0);
    expect(await fingerprint(dst)).toEqual(before);
  });

  it('incremental backups write only recent days and restore to the same state', async () => {
    const events = lifecycleEvents();
    const src = await freshStore();
    await src.write(events);
    const dir = await tmp();
    await backupEvents(src, dir, { incremental: true }); // first run: full
    const newest = Math.max(...events.map((e) => e.ts));
    const later = events
      .slice(0, 50)
      .map((e, i) => ({ ...e, event_id: `late_${i}`, ts: newest + 3 * 86_400_000 + i }));
    await src.write(later);
    const inc = await backupEvents(src, dir, { incremental: true, lookbackDays: 1 });
    expect(inc.kind).toBe('incremental');
    expect(inc.days.length).toBeLessThan(Object.keys(readManifest(dir)!.days).length);
    expect(inc.days).toContain(new Date(later[0]!.ts).toISOString().slice(0, 10));
    expect(readManifest(dir)!.runs.map((x) => x.kind)).toEqual(['full', 'incremental']);
    const before = await fingerprint(src);
    const dst = await freshStore();
    await restoreEvents(dst, dir);
    expect(await fingerprint(dst)).toEqual(before);
  });

  it('refuses a day file whose checksum does not match the manifest', async () => {
    const src = await freshStore();
    await src.write(lifecycleEvents());
    const dir = await tmp();
    await backupEvents(src, dir, { incremental: false });
    const entry = Object.values(readManifest(dir)!.days)[0]!;
    const bytes = await readFile(join(dir, entry.file));
    const i = bytes.length - 5;
    bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(join(dir, entry.file), bytes);
    await expect(restoreEvents(await freshStore(), dir)).rejects.toThrow(/checksum mismatch/);
  });

  it('erasure reaches the backup files, and restore skips erased customers', async () => {
    const events = lifecycleEvents();
    const src = await freshStore();
    await src.write(events);
    const dir = await tmp();
    await backupEvents(src, dir, { incremental: false });
    const removed = await eraseFromBackup(dir, 'cust_1');
    expect(removed).toBe(events.filter((e) => e.customer_ref === 'cust_1').length);
    const dst = await freshStore();
    const r = await restoreEvents(dst, dir, { erased: new Set(['cust_2']) });
    expect(r.skippedErased).toBe(events.filter((e) => e.customer_ref === 'cust_2').length);
    expect(await allIds(dst)).toEqual(
      events
        .filter((e) => e.customer_ref !== 'cust_1' && e.customer_ref !== 'cust_2')
        .map((e) => e.event_id)
        .sort(),
    );
  });

  it('archives the audit entries added since the last run, with checksums', async () => {
    const dbDir = await tmp();
    const db = await openSecurityDb(join(dbDir, 'security.duckdb'));
    try {
      const log = await createEmbeddedAuditLog(db);
      const add = (i: number) =>
        log.append({
          ts: 1_700_000_000_000 + i,
          action: 'auth.login',
          outcome: 'success',
          actor: `u${i}`,
          actor_kind: 'user',
          ip: null,
          target: null,
          details: { i },
        });
      for (let i = 0; i < 1200; i++) await add(i);
      const dir = await tmp();
      await backupEvents(await freshStore(), dir, { incremental: false });
      expect(await backupAudit(log, dir)).toBe(1200);
      expect(await backupAudit(log, dir)).toBe(0);
      for (let i = 1200; i < 1203; i++) await add(i);
      expect(await backupAudit(log, dir)).toBe(3);
      const archives = readManifest(dir)!.audit;
      expect(archives.map((a) => [a.from_seq, a.to_seq, a.entries])).toEqual([
        [1, 1200, 1200],
        [1201, 1203, 3],
      ]);
      const bytes = await readFile(join(dir, archives[1]!.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(archives[1]!.sha256);
      const entries = gunzipSync(bytes)
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { actor: string });
      expect(entries.map((e) => e.actor)).toEqual(['u1200', 'u1201', 'u1202']);
    } finally {
      await db.close();
    }
  }, 60_000);
});
