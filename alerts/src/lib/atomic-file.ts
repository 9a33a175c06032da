import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs a directory, so a file created, renamed or removed in it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * Replaces `path` with `body` atomically and durably: a temp file beside it, fsync, rename, fsync
 * of the folder. A crash or power loss leaves the old content or the new, never an empty or
 * half-written file. The one implementation: the alert state store here and the collector
 * (`@paywatch/alerts/atomic-file`: spool checkpoint, log-tail offsets, feed cursor, demo mark).
 */
export async function writeFileAtomic(path: string, body: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Per process: two processes sharing a data dir never write into each other's temp file.
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}
