// Guards the spool on a full disk (a short write): a record only partly written is never acknowledged, and every acknowledged record is found again after a restart.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../../../test/services.js';
import { createLogger } from '../../lib/logger.js';
import { createSpool } from './spool.js';

const run = promisify(execFile);
const logger = createLogger({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('spool on a full disk', () => {
  it('acknowledges only records wholly on disk: each acknowledged record is drained after a restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pw-spool-full-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const child = path.join(REPO_DIR, 'collector/test/spool-disk-full.child.ts');
    // A 16 KiB file-size limit stands in for a full disk: the write crossing it is cut short
    // (writev returns fewer bytes, no error), later ones fail with EFBIG.
    const { stdout } = await run(
      'bash',
      ['-c', 'ulimit -f 16 && exec node --import tsx "$0" "$1" 40', child, dir],
      { cwd: REPO_DIR, timeout: 60_000 },
    );
    const lines = stdout.trim().split('\n');
    const acked = lines.filter((l) => l.startsWith('ACK ')).map((l) => l.slice(4));
    const refused = lines.filter((l) => l.startsWith('ERR ')).map((l) => l.slice(4));
    expect(acked.length + refused.length).toBe(40);
    expect(refused.length, 'the file-size limit was reached').toBeGreaterThan(0);

    const drained: string[] = [];
    const spool = createSpool(
      { dir, quotaBytes: 1024 * 1024 * 1024 },
      {
        writer: { write: () => Promise.reject(new Error('no events expected')) },
        records: {
          logs: {
            async writeRecords(payloads) {
              for (const p of payloads)
                for (const l of p.toString('utf8').split('\n'))
                  if (l !== '') drained.push((JSON.parse(l) as { id: string }).id);
              return { inserted: payloads.length, duplicates: 0 };
            },
          },
        },
        logger,
      },
    );
    await spool.start();
    cleanups.push(() => spool.stop());
    await spool.drained();
    expect(
      acked.filter((id) => !drained.includes(id)),
      'acknowledged but lost',
    ).toEqual([]);
    expect(drained).toEqual(acked);
  }, 90_000);
});
