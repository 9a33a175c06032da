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

function hasSignals(store: Store): store is StoreWithSignals {
  return 'signals' in store && 'pending' in store;
}

/**
 * The signal store for a started event store: its own signal tables (DuckDB tables of the
 * embedded store, or the ClickHouse tables of migration 4) and its pending-payments query.
 * A store without them is a start-up error.
 */
export function openSignalBackend(store: Store): SignalBackend {
  if (!hasSignals(store))
    throw new TypeError(`the ${store.backend} store has no signal tables (samples, logs, RUM)`);
  return { signals: store.signals, pending: store.pending, stop: async () => undefined };
}
