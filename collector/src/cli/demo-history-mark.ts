import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@paywatch/alerts/atomic-file';
import { z } from 'zod';

/** File name of the demo history mark in the data dir (`PAYWATCH_DATA_DIR`). */
export const DEMO_HISTORY_MARK_FILE = 'demo-history.json';

const MarkSchema = z.object({
  /** Wall clock (epoch ms) of the start the history was planned at: it ends there. */
  anchor: z.number().int(),
  /** The demo seed of that start (segment seeds are hashed from it: `seededHistoryPlan`). */
  seed: z.number().int().min(0).max(0xffffffff),
  /** The demo rate of that start (the plan's full-rate parts depend on it). */
  rate: z.number().positive(),
  /** Seeds of the segments fully stored so far (complete once it holds every segment of the plan). */
  stored: z.array(z.number().int()),
  // Marks written before 2026-11-26 also carry `completedAt`; zod drops it (completion is derived).
});

/**
 * The demo history a store was given, kept across starts: the plan (anchor, seed and rate make
 * the very same events, ids included) and how far storing it got. Written before the first event
 * of the history is stored, then after each segment.
 */
export type DemoHistoryMark = z.infer<typeof MarkSchema>;

/** Where the mark is kept. `read` resolves null when there is none; both reject on I/O errors. */
export interface DemoHistoryMarks {
  read(): Promise<DemoHistoryMark | null>;
  write(mark: DemoHistoryMark): Promise<void>;
}

/** The mark as a JSON file (replaced atomically: temp file, then rename). A malformed file rejects `read`. */
export function createDemoHistoryMarkFile(path: string): DemoHistoryMarks {
  return {
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      const parsed = MarkSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${path}: not a demo history mark (${parsed.error.message})`);
      return parsed.data;
    },
    async write(mark) {
      // A crash or power loss mid-write leaves the previous mark, never half of one.
      await writeFileAtomic(path, JSON.stringify(mark));
    },
  };
}
