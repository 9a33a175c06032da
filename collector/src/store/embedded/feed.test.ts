// Guards the embedded store's arrival-order feed (the standalone alert engine's input): the shared feed contract on a temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../lib/logger.js';
import { describeFeedContract } from '../contract/index.js';
import { createEmbeddedStore } from './embedded.store.js';

const logger = createLogger({ level: 'silent' });

describeFeedContract('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-feed-'));
  return {
    store: createEmbeddedStore({ dataDir }, { logger }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});
