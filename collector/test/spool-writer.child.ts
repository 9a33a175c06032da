/**
 * Child process for the spool crash test: a ClickHouse store behind the durable spool.
 *   write <spoolDir> <url> <user> <password> <database>  → writes batch 0, 1, 2, … and prints
 *                                                          `ACK <i>` after each acknowledgement
 *   drain <spoolDir> <url> <user> <password> <database>  → recovers, drains, prints
 *                                                          `REPLAYED n INSERTED n DUPLICATES n`, `DRAINED`
 * Batch i is `spoolTestBatch(i)`, so the parent can rebuild every acknowledged event id.
 */
import { createLogger } from '../src/lib/logger.js';
import { createClickHouseStore } from '../src/store/clickhouse/index.js';
import { generateEvents } from '../src/store/contract/index.js';
import { createSpool } from '../src/store/spool/index.js';
import type { PaymentEvent } from '@paywatch/contracts';

/** The events of batch `i` (deterministic). */
export function spoolTestBatch(i: number): PaymentEvent[] {
  return generateEvents({
    seed: 1000 + i,
    payments: 400,
    from: Date.UTC(2026, 0, 5),
    spanMs: 3_600_000,
    idPrefix: `b${i}_`,
  });
}

async function main(): Promise<void> {
  const [mode, dir, url, username, password, database] = process.argv.slice(2);
  if (!mode || !dir || !url || username === undefined || password === undefined || !database) {
    throw new Error('usage: spool-writer.child.ts write|drain <dir> <url> <user> <password> <database>');
  }
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  const store = createClickHouseStore({ url, username, password, database }, { logger });
  await store.start();
  const spool = createSpool(
    { dir, quotaBytes: 1024 * 1024 * 1024, segmentBytes: 1024 * 1024, maxBatchEvents: 5000 },
    { writer: store, logger },
  );
  await spool.start();
  if (mode === 'drain') {
    const replayed = spool.stats().pendingEvents;
    await spool.drained();
    const st = spool.stats();
    process.stdout.write(
      `REPLAYED ${replayed} INSERTED ${st.drainedEvents} DUPLICATES ${st.duplicateEvents}\n`,
    );
    await spool.stop();
    await store.stop();
    process.stdout.write('DRAINED\n');
    return;
  }
  for (let i = 0; ; i++) {
    await spool.write(spoolTestBatch(i));
    process.stdout.write(`ACK ${i}\n`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
    process.exit(1);
  });
}
