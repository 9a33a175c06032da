// Guards the embedded signal store (scraped samples, log records, RUM, pending payments): the shared signal contract on the embedded store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../lib/logger.js';
import { describeSignalsContract } from '../contract/index.js';
import { createEmbeddedStore } from './embedded.store.js';

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
