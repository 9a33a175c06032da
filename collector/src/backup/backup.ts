import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { PaymentEventSchema, type PaymentEvent } from '@paywatch/contracts';
import { z } from 'zod';
import type { AuditEntry, AuditReader } from '../audit/types.js';
import type { Store } from '../store/types.js';

/**
 * Backups of the event store as one gzipped NDJSON file of masked `PaymentEvent`s per UTC day,
 * plus `manifest.json` with each file's event count and SHA-256. Backend-neutral: it reads
 * through `EventReader.transactions` and restores through `EventWriter.write` (which never
 * stores an event_id twice), so the same backup restores into embedded or ClickHouse.
 */

export const MANIFEST = 'manifest.json';
export const FORMAT = 'paywatch-backup/1';
const DAY_MS = 86_400_000;
const PAGE = 5_000;

const DayEntrySchema = z.object({
  file: z.string().regex(/^events\/\d{4}-\d{2}-\d{2}\.ndjson\.gz$/),
  events: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  written_at: z.number().int(),
});
export const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  source_backend: z.string(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
  /** Each run: full or incremental, from which day, how many days written. */
  runs: z.array(
    z.object({
      at: z.number().int(),
      kind: z.enum(['full', 'incremental']),
      from_day: z.string().nullable(),
      days: z.number().int(),
      events: z.number().int(),
    }),
  ),
  days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), DayEntrySchema),
  /** Audit log archives, one per run with the entries added since the previous one. */
  audit: z
    .array(
      z.object({
        file: z.string().regex(/^audit\/audit-\d+-\d+\.ndjson\.gz$/),
        from_seq: z.number().int(),
        to_seq: z.number().int(),
        entries: z.number().int(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        written_at: z.number().int(),
      }),
    )
    .default([]),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const dayOf = (ts: number) => new Date(Math.floor(ts / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

export function readManifest(dir: string): Manifest | null {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) return null;
  return ManifestSchema.parse(JSON.parse(readFileSync(p, 'utf8')));
}

function writeManifest(dir: string, m: Manifest): void {
  const tmp = join(dir, MANIFEST + '.tmp');
  writeFileSync(tmp, JSON.stringify(m, null, 2) + '\n');
  renameSync(tmp, join(dir, MANIFEST)); // atomic: a crash never leaves a half manifest
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes one day file (temp name, then rename) and returns its manifest entry. */
async function writeDay(dir: string, day: string, events: PaymentEvent[]): Promise<Manifest['days'][string]> {
  const file = `events/${day}.ndjson.gz`;
  const path = join(dir, file);
  const tmp = path + '.tmp';
  await pipeline(
    Readable.from(events.map((e) => JSON.stringify(e) + '\n')),
    createGzip(),
    createWriteStream(tmp),
  );
  renameSync(tmp, path);
  const bytes = readFileSync(path).length;
  return { file, events: events.length, sha256: await sha256File(path), bytes, written_at: Date.now() };
}

export interface BackupOptions {
  /** Only days from the newest backed-up day minus `lookbackDays` (late events) onwards. */
  incremental: boolean;
  /** Days re-exported before the newest backed-up one in incremental mode (default 2). */
  lookbackDays?: number;
  now?: () => number;
}

export interface BackupResult {
  kind: 'full' | 'incremental';
  fromDay: string | null;
  days: string[];
  events: number;
}

/**
 * Full: every day. Incremental: days from (newest backed-up day − lookback) on; days whose
 * events all aged out of the store stay in the manifest (the backup outlives retention).
 */
export async function backupEvents(store: Store, dir: string, opts: BackupOptions): Promise<BackupResult> {
  const now = opts.now ?? Date.now;
  mkdirSync(join(dir, 'events'), { recursive: true });
  const prev = readManifest(dir);
  const kind = opts.incremental && prev && Object.keys(prev.days).length > 0 ? 'incremental' : 'full';
  let fromDay: string | null = null;
  if (kind === 'incremental' && prev) {
    const newest = Object.keys(prev.days).sort().at(-1) as string;
    fromDay = dayOf(dayStart(newest) - (opts.lookbackDays ?? 2) * DAY_MS);
  }
  const from = fromDay === null ? 0 : dayStart(fromDay);
  const manifest: Manifest = prev ?? {
    format: FORMAT,
    source_backend: store.backend,
    created_at: now(),
    updated_at: now(),
    runs: [],
    days: {},
    audit: [],
  };
  if (kind === 'full') manifest.days = {};

  // Newest first (the reader's order): each day's events arrive contiguously.
  const written: string[] = [];
  let total = 0;
  let day: string | null = null;
  let buf: PaymentEvent[] = [];
  const flush = async () => {
    if (day === null) return;
    manifest.days[day] = await writeDay(dir, day, buf);
    written.push(day);
    total += buf.length;
    buf = [];
  };
  let cursor: string | null = null;
  do {
    const page = await store.transactions({
      from,
      to: Number.MAX_SAFE_INTEGER,
      filters: {},
      limit: PAGE,
      cursor,
    });
    for (const e of page.items) {
      const d = dayOf(e.ts);
      if (d !== day) {
        await flush();
        day = d;
      }
      buf.push(e);
    }
    cursor = page.next_cursor;
  } while (cursor !== null);
  await flush();
  manifest.updated_at = now();
  manifest.runs.push({ at: now(), kind, from_day: fromDay, days: written.length, events: total });
  writeManifest(dir, manifest);
  return { kind, fromDay, days: written.sort(), events: total };
}

/** Reads and checks one day file: refuses a checksum mismatch; validates every event. */
async function* readDay(dir: string, entry: Manifest['days'][string]): AsyncGenerator<PaymentEvent> {
  const path = join(dir, entry.file);
  const actual = await sha256File(path);
  if (actual !== entry.sha256)
    throw new Error(
      `${entry.file}: checksum mismatch (manifest ${entry.sha256.slice(0, 12)}…, file ${actual.slice(0, 12)}…); the backup is damaged`,
    );
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    n++;
    yield PaymentEventSchema.parse(JSON.parse(line));
  }
  if (n !== entry.events) throw new Error(`${entry.file}: ${n} events, manifest says ${entry.events}`);
}

export interface RestoreResult {
  days: number;
  /** Events read from the backup. */
  read: number;
  inserted: number;
  duplicates: number;
  /** Events of erased customers, not restored. */
  skippedErased: number;
}

/** Restores every day of the backup into `store` (idempotent: existing event_ids are duplicates). Events whose customer_ref is in `erased` are skipped. */
export async function restoreEvents(
  store: Store,
  dir: string,
  opts: { erased?: ReadonlySet<string> } = {},
): Promise<RestoreResult> {
  const m = readManifest(dir);
  if (!m) throw new Error(`${join(dir, MANIFEST)} not found: not a paywatch backup`);
  const r: RestoreResult = { days: 0, read: 0, inserted: 0, duplicates: 0, skippedErased: 0 };
  for (const day of Object.keys(m.days).sort()) {
    let batch: PaymentEvent[] = [];
    const write = async () => {
      if (batch.length === 0) return;
      const w = await store.write(batch);
      r.inserted += w.inserted.length;
      r.duplicates += w.duplicates.length;
      batch = [];
    };
    for await (const e of readDay(dir, m.days[day]!)) {
      r.read++;
      if (e.customer_ref !== null && opts.erased?.has(e.customer_ref)) {
        r.skippedErased++;
        continue;
      }
      batch.push(e);
      if (batch.length >= PAGE) await write();
    }
    await write();
    r.days++;
  }
  return r;
}

/**
 * Removes one customer's events from every day file of a backup (rewriting those files and
 * their checksums), so an erasure also reaches the backups kept here. Returns events removed.
 */
export async function eraseFromBackup(dir: string, customerRef: string): Promise<number> {
  const m = readManifest(dir);
  if (!m) return 0;
  let removed = 0;
  for (const [day, entry] of Object.entries(m.days)) {
    const keep: PaymentEvent[] = [];
    for await (const e of readDay(dir, entry)) if (e.customer_ref !== customerRef) keep.push(e);
    if (keep.length === entry.events) continue;
    removed += entry.events - keep.length;
    m.days[day] = await writeDay(dir, day, keep);
  }
  if (removed > 0) {
    m.updated_at = Date.now();
    writeManifest(dir, m);
  }
  return removed;
}

/**
 * Archives the audit entries added since the last archive in `dir` (PCI DSS 10.3.3: audit logs
 * promptly backed up to media that is hard to modify) as `audit/audit-<from>-<to>.ndjson.gz`
 * with its SHA-256 in the manifest. Returns how many entries were archived.
 */
export async function backupAudit(audit: AuditReader, dir: string): Promise<number> {
  const m = readManifest(dir);
  if (!m) throw new Error(`${join(dir, MANIFEST)} not found: back up the events first`);
  const last = Math.max(0, ...m.audit.map((a) => a.to_seq));
  const fresh: AuditEntry[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await audit.list({ limit: 1000, ...(before !== undefined ? { before } : {}) });
    const newer = page.filter((e) => e.seq > last);
    fresh.push(...newer);
    if (page.length < 1000 || newer.length < page.length) break;
    before = page[page.length - 1]!.seq;
  }
  if (fresh.length === 0) return 0;
  fresh.sort((a, b) => a.seq - b.seq);
  const from = fresh[0]!.seq;
  const to = fresh[fresh.length - 1]!.seq;
  mkdirSync(join(dir, 'audit'), { recursive: true });
  const file = `audit/audit-${from}-${to}.ndjson.gz`;
  const path = join(dir, file);
  await pipeline(
    Readable.from(fresh.map((e) => JSON.stringify(e) + '\n')),
    createGzip(),
    createWriteStream(path + '.tmp'),
  );
  renameSync(path + '.tmp', path);
  m.audit.push({
    file,
    from_seq: from,
    to_seq: to,
    entries: fresh.length,
    sha256: await sha256File(path),
    written_at: Date.now(),
  });
  m.updated_at = Date.now();
  writeManifest(dir, m);
  return fresh.length;
}
