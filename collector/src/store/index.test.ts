// Guards the store factory: it builds the configured backend and refuses unknown ones at start-up.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { createStore, type StoreConfig } from './index.js';

const logger = createLogger({ level: 'silent' });

describe('createStore', () => {
  it('builds an unstarted embedded store that starts, answers ping and stops', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-factory-'));
    try {
      const store = createStore({ backend: 'embedded', dataDir: join(dataDir, 'nested', 'dir') }, { logger });
      expect(store.backend).toBe('embedded');
      await expect(store.ping()).rejects.toThrow(/not running/);
      await store.start();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown backend with an error naming it', () => {
    const config = { backend: 'sqlite', dataDir: '/tmp/x' } as unknown as StoreConfig;
    expect(() => createStore(config, { logger })).toThrow(/unknown store backend: sqlite/);
  });
});
