import type { ActionContext, AuthService } from '../auth/auth.service.js';
import type { SecurityDb } from '../auth/security-db.js';
import { BadRequestError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/types.js';
import { backupAudit, backupEvents, eraseFromBackup, type BackupResult } from './backup.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface LifecycleConfig {
  retentionDays: { payment_events: number; audit_log: number };
  /** Where scheduled and on-demand backups go (null: none from the running collector). */
  backupDir: string | null;
  backupIntervalHours: number;
}

/**
 * Data lifecycle of a running collector: hourly retention (events and audit entries older than
 * their tables' retention), erasure of one customer (store + local backup + the erasure list
 * restores consult), and scheduled incremental backups. Every action is audited.
 * Lifecycle: `start()` schedules; idempotent `stop()` waits for a running job.
 */
export interface DataLifecycle {
  start(): void;
  stop(): Promise<void>;
  runRetention(): Promise<{ events: number; audit: number }>;
  /** `customerId` is the raw id (hashed here with the masker's key); or pass the `customerRef` hash itself. */
  eraseCustomer(
    input: { customerId?: string; customerRef?: string },
    ctx: ActionContext,
  ): Promise<{ customer_ref: string; deleted: number; deleted_from_backup: number }>;
  /** Keyed hashes of every erased customer (restores skip them). */
  erasedRefs(): Promise<Set<string>>;
  /** An incremental backup into `backupDir` now. */
  backup(ctx: ActionContext): Promise<BackupResult>;
}

export function createDataLifecycle(
  deps: {
    store: Store;
    db: SecurityDb;
    auth: AuthService;
    hashRef: (raw: string) => string;
    logger: Logger;
    now?: () => number;
  },
  config: LifecycleConfig,
): DataLifecycle {
  const log = deps.logger.child({ component: 'lifecycle' });
  const now = deps.now ?? Date.now;
  const system: ActionContext = { principal: { kind: 'system', name: 'lifecycle' }, ip: null };
  let timers: NodeJS.Timeout[] = []; // intervals and the first-run timeout
  let running: Promise<unknown> = Promise.resolve();
  let backupBusy: Promise<BackupResult> | null = null;
  /** One job at a time (retention, backup, erasure never overlap). */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = running.then(fn, fn);
    running = next.catch(() => undefined);
    return next;
  };

  const lifecycle: DataLifecycle = {
    start() {
      timers.push(
        setInterval(
          () => void lifecycle.runRetention().catch((err: unknown) => log.error({ err }, 'retention failed')),
          HOUR_MS,
        ),
      );
      timers.push(
        setTimeout(
          () => void lifecycle.runRetention().catch((err: unknown) => log.error({ err }, 'retention failed')),
          10_000,
        ),
      );
      if (config.backupDir) {
        timers.push(
          setInterval(
            () =>
              void lifecycle
                .backup(system)
                .catch((err: unknown) => log.error({ err }, 'scheduled backup failed')),
            config.backupIntervalHours * HOUR_MS,
          ),
        );
      }
      for (const t of timers) t.unref();
    },
    async stop() {
      for (const t of timers) clearTimeout(t); // clears intervals too
      timers = [];
      await running;
    },

    runRetention: () =>
      serial(async () => {
        const t = now();
        const days = config.retentionDays;
        const events =
          days.payment_events > 0 ? await deps.store.deleteBefore(t - days.payment_events * DAY_MS) : 0;
        const audit = days.audit_log > 0 ? await deps.auth.audit.purgeBefore(t - days.audit_log * DAY_MS) : 0;
        if (events + audit > 0) {
          await deps.auth.record(system, 'data.retention', 'success', null, {
            events_deleted: events,
            audit_deleted: audit,
            events_days: days.payment_events,
            audit_days: days.audit_log,
          });
          log.info({ events, audit }, 'retention deleted old data');
        }
        return { events, audit };
      }),

    eraseCustomer: (input, ctx) =>
      serial(async () => {
        const raw = input.customerId?.trim();
        if (!raw && !input.customerRef)
          throw new BadRequestError(
            'give customer_id (the raw id) or customer_ref (its keyed hash)',
            'customer_id',
          );
        if (input.customerRef !== undefined && !/^[A-Za-z0-9_:.+/=-]{8,200}$/.test(input.customerRef))
          throw new BadRequestError('customer_ref is not a keyed hash', 'customer_ref');
        const ref = raw ? deps.hashRef(raw) : (input.customerRef as string);
        // Recorded first: even if deleting fails halfway, every later restore skips this customer.
        await deps.db.run('INSERT INTO erasures VALUES ($1, $2) ON CONFLICT DO NOTHING', [ref, now()]);
        try {
          const deleted = await deps.store.deleteCustomer(ref);
          const deleted_from_backup = config.backupDir ? await eraseFromBackup(config.backupDir, ref) : 0;
          // The audit entry names the keyed hash, never the raw id.
          await deps.auth.record(ctx, 'data.erase', 'success', ref, { deleted, deleted_from_backup });
          return { customer_ref: ref, deleted, deleted_from_backup };
        } catch (err) {
          await deps.auth.record(ctx, 'data.erase', 'failure', ref, {
            error: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
          });
          throw err;
        }
      }),

    async erasedRefs() {
      return new Set(
        (await deps.db.all('SELECT customer_ref FROM erasures')).map((r) => String(r.customer_ref)),
      );
    },

    backup(ctx) {
      const dir = config.backupDir;
      if (!dir) return Promise.reject(new BadRequestError('no backup directory: set PAYWATCH_BACKUP_DIR'));
      backupBusy ??= serial(async () => {
        try {
          const r = await backupEvents(deps.store, dir, { incremental: true });
          await deps.auth.record(ctx, 'data.backup', 'success', dir, {
            kind: r.kind,
            days: r.days.length,
            events: r.events,
          });
          await backupAudit(deps.auth.audit, dir); // after the entry above, so it is archived too
          return r;
        } catch (err) {
          await deps.auth.record(ctx, 'data.backup', 'failure', dir, {
            error: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
          });
          throw err;
        } finally {
          backupBusy = null;
        }
      });
      return backupBusy;
    },
  };
  return lifecycle;
}
