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
 * half-written file.
 */
export async function writeFileAtomic(path: string, body: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
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
