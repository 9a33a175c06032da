// Guards erasure and retention deletes on the embedded (DuckDB) store via the shared eraser contract.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../lib/logger.js';
import { createEmbeddedStore } from '../store/embedded/index.js';
import { describeEraserContract } from './eraser-contract.js';

describeEraserContract('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pw-eraser-'));
  return {
    store: createEmbeddedStore({ dataDir }, { logger: createLogger({ level: 'silent' }) }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});
