import { createStandaloneSignalStore, type EmbeddedStore } from './embedded/index.js';
import type { PendingPaymentReader, SignalStore } from './signals.js';
import type { Store } from './types.js';

/** Where the collector keeps scraped samples, log records and RUM records, and who answers the pending query. */
export interface SignalBackend {
  signals: SignalStore;
  /** Null when the event store has no pending-payments query yet (ClickHouse). */
  pending: PendingPaymentReader | null;
  /** Closes what `openSignalBackend` opened (nothing for the embedded store); idempotent. */
  stop(): Promise<void>;
}

function isEmbedded(store: Store): store is EmbeddedStore {
  return store.backend === 'embedded' && 'signals' in store && 'pending' in store;
}

/**
 * The signal store for a started event store: the embedded store's own tables, or — for
 * ClickHouse, which has no signal tables yet — a DuckDB file `signals.duckdb` in the data dir.
 */
export async function openSignalBackend(store: Store, config: { dataDir: string }): Promise<SignalBackend> {
  if (isEmbedded(store))
    return { signals: store.signals, pending: store.pending, stop: async () => undefined };
  const standalone = createStandaloneSignalStore({ dataDir: config.dataDir });
  await standalone.start();
  return { signals: standalone.signals, pending: null, stop: () => standalone.stop() };
}
