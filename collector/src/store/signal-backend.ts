import type { Spool, SpoolRecordWriter } from './spool/index.js';
import type { PendingPaymentReader, SignalStore } from './signals.js';
import type { Store } from './types.js';

/** Where the collector keeps scraped samples, log records and RUM records, and who answers the pending query. */
export interface SignalBackend {
  signals: SignalStore;
  pending: PendingPaymentReader;
  /** Nothing to close today (the event store owns the tables); idempotent. */
  stop(): Promise<void>;
}

/** A store that also keeps the other signals in its own storage (both built-in backends). */
type StoreWithSignals = Store & { readonly signals: SignalStore; readonly pending: PendingPaymentReader };

/**
 * The signal write path through the durable spool, offered by stores whose signal writes would
 * otherwise go straight to a remote server (ClickHouse).
 */
export interface SpoolableSignals {
  /** The spool's writers of the signal records, by kind (`SpoolDeps.records`). */
  readonly records: Readonly<Record<string, SpoolRecordWriter>>;
  /** Writers that append to the spool and resolve once the records are fsync'd. */
  spooledWriters(spool: Pick<Spool, 'append'>): Pick<SignalStore, 'writeSamples' | 'writeLogs' | 'writeRum'>;
}

function hasSignals(store: Store): store is StoreWithSignals {
  return 'signals' in store && 'pending' in store;
}

function spoolable(signals: SignalStore): signals is SignalStore & SpoolableSignals {
  const s = signals as Partial<SpoolableSignals>;
  return typeof s.records === 'object' && s.records !== null && typeof s.spooledWriters === 'function';
}

/**
 * The spool record writers of `store`'s signal tables (pass as `SpoolDeps.records` when the spool
 * is in front of that store); empty when its signal writes need no spool (the embedded store).
 */
export function signalSpoolRecords(store: Store): Readonly<Record<string, SpoolRecordWriter>> {
  return hasSignals(store) && spoolable(store.signals) ? store.signals.records : {};
}

/**
 * The signal store for a started event store: its own signal tables (DuckDB tables of the
 * embedded store, or the ClickHouse tables of migration 4) and its pending-payments query.
 * A store without them is a start-up error. With `spool` (the ClickHouse store), samples, log and
 * RUM records are written through it like payment events: a write resolves once the rows are
 * fsync'd in the spool (created with `signalSpoolRecords(store)`), which drains them to the store
 * in order, exactly once, across outages and restarts.
 */
export function openSignalBackend(store: Store, spool: Pick<Spool, 'append'> | null = null): SignalBackend {
  if (!hasSignals(store))
    throw new TypeError(`the ${store.backend} store has no signal tables (samples, logs, RUM)`);
  const own = store.signals;
  const signals: SignalStore =
    spool !== null && spoolable(own) ? { ...own, ...own.spooledWriters(spool) } : own;
  return { signals, pending: store.pending, stop: async () => undefined };
}
