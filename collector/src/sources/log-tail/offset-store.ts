import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@paywatch/alerts/atomic-file';

/** Where reading stopped in one file, tied to the file's identity (device + inode). */
export interface FileOffset {
  dev: number;
  ino: number;
  offset: number;
  /** SHA-256 (hex prefix) of the file's first `headLen` bytes: detects truncate-and-rewrite. */
  headLen?: number;
  headSha?: string;
  /** Times the file was found truncated or rewritten in place (part of its lines' ids; absent = 0). */
  gen?: number;
}

/** Durable read offsets: loaded at start, rewritten atomically (temp file, fsync, rename). */
export interface OffsetStore {
  load(): Promise<Map<string, FileOffset>>;
  save(offsets: ReadonlyMap<string, FileOffset>): Promise<void>;
}

export function createOffsetStore(path: string): OffsetStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
        throw err;
      }
      // A corrupt offsets file must not silently restart every file from the beginning.
      const parsed = JSON.parse(text) as { version: number; files: Record<string, FileOffset> };
      if (parsed.version !== 1 || typeof parsed.files !== 'object')
        throw new Error(`${path}: not a paywatch offsets file`);
      return new Map(Object.entries(parsed.files));
    },
    async save(offsets) {
      await writeFileAtomic(path, JSON.stringify({ version: 1, files: Object.fromEntries(offsets) }));
    },
  };
}
