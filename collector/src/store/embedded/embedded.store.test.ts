// Guards the embedded (DuckDB) store: it must pass the store contract suite, on a temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../lib/logger.js';
import { describeStoreContract } from '../contract/index.js';
import { createEmbeddedStore } from './embedded.store.js';

const logger = createLogger({ level: 'silent' });

describeStoreContract('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-embedded-'));
  return {
    store: createEmbeddedStore({ dataDir }, { logger }),
    reopen: async () => createEmbeddedStore({ dataDir }, { logger }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});
