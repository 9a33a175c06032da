// Guards the embedded signal store (scraped samples, log records, RUM, pending payments): the signal contract on the embedded store and on the standalone file used beside ClickHouse.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../lib/logger.js';
import { describeSignalsContract } from '../contract/index.js';
import { createEmbeddedStore } from './embedded.store.js';
import { createStandaloneSignalStore } from './signals.js';

const logger = createLogger({ level: 'silent' });

describeSignalsContract('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-signals-'));
  const store = createEmbeddedStore({ dataDir }, { logger });
  await store.start();
  return {
    signals: store.signals,
    pending: { reader: store.pending, write: (events) => store.write(events) },
    cleanup: async () => {
      await store.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describeSignalsContract(
  'standalone (beside ClickHouse)',
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-signals-'));
    const s = createStandaloneSignalStore({ dataDir });
    await s.start();
    return {
      signals: s.signals,
      cleanup: async () => {
        await s.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
  { pending: false },
); // payment events live in ClickHouse then
