// Guards durability of the embedded store: once write() resolves, the events survive the process being killed (WAL replay).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { generateEvents } from '../contract/events.js';
import { DB_FILE, createEmbeddedStore } from './embedded.store.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const FROM = Date.UTC(2026, 0, 5);

// The child writes, reports how many events were inserted, then kills itself with SIGKILL:
// no stop(), no checkpoint, no chance to flush anything after write() resolved.
const CHILD = `
import { createEmbeddedStore } from ${JSON.stringify(join(here, 'embedded.store.ts'))};
import { createLogger } from ${JSON.stringify(join(here, '../../lib/logger.ts'))};
import { generateEvents } from ${JSON.stringify(join(here, '../contract/events.ts'))};
const store = createEmbeddedStore({ dataDir: process.argv[1] }, { logger: createLogger({ level: 'silent' }) });
await store.start();
const events = generateEvents({ seed: 31, payments: 400, from: ${FROM}, spanMs: 3_600_000 });
const a = store.write(events.slice(0, 500));
const b = store.write(events.slice(300));
const [ra, rb] = await Promise.all([a, b]);
process.stdout.write(JSON.stringify([ra.inserted.length, rb.inserted.length]));
process.kill(process.pid, 'SIGKILL');
`;

describe('embedded store durability', () => {
  it(
    'keeps every acknowledged event after the writing process is SIGKILLed',
    { timeout: 90_000 },
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'paywatch-durable-'));
      try {
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', CHILD, dataDir],
          {
            encoding: 'utf8',
            timeout: 60_000,
          },
        );
        expect(child.signal, child.stderr).toBe('SIGKILL');
        const [a, b] = JSON.parse(child.stdout) as [number, number];
        const events = generateEvents({ seed: 31, payments: 400, from: FROM, spanMs: 3_600_000 });
        expect(a + b).toBe(events.length);
        // Nothing was checkpointed: the data is only in the write-ahead log.
        expect(existsSync(join(dataDir, `${DB_FILE}.wal`))).toBe(true);
        expect(statSync(join(dataDir, `${DB_FILE}.wal`)).size).toBeGreaterThan(0);

        const store = createEmbeddedStore({ dataDir }, { logger: createLogger({ level: 'silent' }) });
        await store.start();
        try {
          const page = await store.transactions({
            from: FROM,
            to: FROM + 3_600_000,
            filters: {},
            limit: 5_000,
            cursor: null,
          });
          expect(page.items.length).toBe(events.length);
          expect(new Set(page.items.map((e) => e.event_id))).toEqual(new Set(events.map((e) => e.event_id)));
          expect((await store.write(events.slice(0, 10))).duplicates).toHaveLength(10);
        } finally {
          await store.stop();
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );
});
