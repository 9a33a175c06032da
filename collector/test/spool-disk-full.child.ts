/**
 * Child process for the spool's disk-full test, run under a file-size limit (`ulimit -f`): a spool
 * whose store is down appends records of kind `logs` (ids r0, r1, …, ~1 KB each) and prints
 * `ACK <id>` after each acknowledgement or `ERR <id>` after a refused append, then stops.
 *   <spoolDir> <records>
 */
import { StoreError } from '../src/lib/errors.js';
import { createLogger } from '../src/lib/logger.js';
import { createSpool } from '../src/store/spool/index.js';

/** The spooled payload of record `id` (one NDJSON row, ~1 KB). */
export function diskFullRecord(id: string): Buffer {
  return Buffer.from(JSON.stringify({ id, pad: 'x'.repeat(1000) }) + '\n', 'utf8');
}

async function main(): Promise<void> {
  const [dir, count] = process.argv.slice(2);
  if (!dir || !count) throw new Error('usage: spool-disk-full.child.ts <spoolDir> <records>');
  const logger = createLogger({ level: 'silent' });
  const down = async (): Promise<never> => {
    throw new StoreError('store down (test)');
  };
  const spool = createSpool(
    { dir, quotaBytes: 1024 * 1024 * 1024, segmentBytes: 1024 * 1024, stopDrainMs: 0, minBackoffMs: 60_000 },
    { writer: { write: down }, records: { logs: { writeRecords: down } }, logger },
  );
  await spool.start();
  for (let i = 0; i < Number(count); i++) {
    const id = `r${i}`;
    try {
      await spool.append('logs', diskFullRecord(id), 1);
      process.stdout.write(`ACK ${id}\n`);
    } catch {
      process.stdout.write(`ERR ${id}\n`);
    }
  }
  await spool.stop();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
    process.exit(1);
  });
}
