import { join } from 'node:path';
import { integerFlag, parseCommandArgs, UsageError } from '@paywatch/alerts/cli-args';
import type { Command, CommandIO } from '../cli/command.js';

const BACKUP_HELP = `Usage: paywatch backup --to DIR [options]

Writes the event store (PAYWATCH_STORE) to DIR: one gzipped NDJSON file of masked events per
UTC day under DIR/events/, the audit entries added since the last run under DIR/audit/, and
DIR/manifest.json with each file's count and SHA-256.
The embedded store is a single-process database: stop the collector first, or let the running
collector write the backups itself (PAYWATCH_BACKUP_DIR, POST /api/admin/backup).
Ship DIR off-site afterwards (docs/security.md: rclone/rsync/aws s3 sync).

Options:
  --to <dir>            Backup directory (created if missing).
  --incremental         Only days from the newest day already in DIR (minus --lookback-days)
                        on; the first run into an empty DIR is full.
  --lookback-days <n>   Days re-exported before the newest backed-up day, for late events (default 2).
  -h, --help            Show this help.
`;

const RESTORE_HELP = `Usage: paywatch restore --from DIR

Loads every day file of a backup into the event store (PAYWATCH_STORE), after checking each
file against the SHA-256 in DIR/manifest.json. Idempotent: events already stored are counted
as duplicates. Customers erased since the backup (POST /api/admin/erase) are skipped.
Stop the collector first when using the embedded store.

Options:
  --from <dir>   Backup directory.
  -h, --help     Show this help.
`;

/** Loads config, opens the store and the security database, runs `fn`, closes both. */
async function withStore(
  io: CommandIO,
  name: string,
  fn: (ctx: Awaited<ReturnType<typeof open>>) => Promise<number>,
): Promise<number> {
  let ctx;
  try {
    ctx = await open();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    const locked = /lock/i.test(msg + cause);
    io.stderr.write(
      `paywatch ${name}: ${msg}${cause}\n${locked ? 'The embedded store is open in a running collector: stop it first, or use PAYWATCH_BACKUP_DIR / POST /api/admin/backup.\n' : ''}`,
    );
    return 1;
  }
  try {
    return await fn(ctx);
  } finally {
    await ctx.store.stop();
    await ctx.db.close();
  }
}

async function open() {
  const { loadConfig } = await import('../config.js');
  const { createStore } = await import('../store/index.js');
  const { createLogger } = await import('../lib/logger.js');
  const { openSecurityDb } = await import('../auth/security-db.js');
  const { createEmbeddedAuditLog } = await import('../audit/embedded-audit.js');
  const config = loadConfig();
  const logger = createLogger({ level: 'warn' });
  const store = createStore(config.store, { logger });
  await store.start();
  let db;
  try {
    db = await openSecurityDb(join(config.dataDir, 'security.duckdb'));
  } catch (err) {
    await store.stop();
    throw err;
  }
  return { config, store, db, audit: await createEmbeddedAuditLog(db) };
}

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Back up the event store to a directory (full or incremental by day, with checksums)',
  async run(argv, io) {
    const a = parseCommandArgs(
      {
        command: 'backup',
        help: BACKUP_HELP,
        options: {
          to: { type: 'string' },
          incremental: { type: 'boolean', default: false },
          'lookback-days': { type: 'string', default: '2' },
        },
        check: ({ values }) => {
          if (!values.to) throw new UsageError('--to DIR is required', { showHelp: true });
          const lookback = integerFlag(
            'lookback-days',
            values['lookback-days'],
            { min: 0, max: 366 },
            { showHelp: true },
          );
          return { dir: values.to, incremental: values.incremental, lookback };
        },
      },
      argv,
      io,
    );
    if (a.kind !== 'parsed') return a.exitCode;
    const { dir, lookback } = a.args;
    return withStore(io, 'backup', async ({ store, audit }) => {
      const { backupAudit, backupEvents } = await import('./backup.js');
      const r = await backupEvents(store, dir, { incremental: a.args.incremental, lookbackDays: lookback });
      await audit.append({
        ts: Date.now(),
        action: 'data.backup',
        outcome: 'success',
        actor: 'paywatch backup',
        actor_kind: 'system',
        ip: null,
        target: dir,
        details: { kind: r.kind, days: r.days.length, events: r.events },
      });
      const archived = await backupAudit(audit, dir);
      io.stdout.write(
        `${r.kind} backup of the ${store.backend} store: ${r.events} events in ${r.days.length} day file(s)${r.fromDay ? ` from ${r.fromDay}` : ''}, ${archived} new audit entries → ${dir}\n`,
      );
      return 0;
    });
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Restore the event store from a backup directory (checksums verified)',
  async run(argv, io) {
    const a = parseCommandArgs(
      {
        command: 'restore',
        help: RESTORE_HELP,
        options: { from: { type: 'string' } },
        check: ({ values }) => {
          if (!values.from) throw new UsageError('--from DIR is required', { showHelp: true });
          return values.from;
        },
      },
      argv,
      io,
    );
    if (a.kind !== 'parsed') return a.exitCode;
    const dir = a.args;
    return withStore(io, 'restore', async ({ store, db, audit }) => {
      const { restoreEvents } = await import('./backup.js');
      const erased = new Set(
        (await db.all('SELECT customer_ref FROM erasures')).map((r) => String(r.customer_ref)),
      );
      try {
        const r = await restoreEvents(store, dir, { erased });
        await audit.append({
          ts: Date.now(),
          action: 'data.restore',
          outcome: 'success',
          actor: 'paywatch restore',
          actor_kind: 'system',
          ip: null,
          target: dir,
          details: {
            days: r.days,
            read: r.read,
            inserted: r.inserted,
            duplicates: r.duplicates,
            skipped_erased: r.skippedErased,
          },
        });
        io.stdout.write(
          `restored ${r.inserted} events (${r.duplicates} already stored, ${r.skippedErased} of erased customers skipped) from ${r.days} day file(s) into the ${store.backend} store\n`,
        );
        return 0;
      } catch (err) {
        await audit.append({
          ts: Date.now(),
          action: 'data.restore',
          outcome: 'failure',
          actor: 'paywatch restore',
          actor_kind: 'system',
          ip: null,
          target: dir,
          details: { error: (err as Error).message.slice(0, 200) },
        });
        io.stderr.write(`paywatch restore: ${(err as Error).message}\n`);
        return 1;
      }
    });
  },
};
