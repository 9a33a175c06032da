import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../src/lib/logger.js';

/**
 * A logger at `level` (default info) whose JSON lines a test reads back: `lines`, parsed, in the
 * order written (redaction as in production: it is the real logger).
 */
export function captureLogs(level: 'debug' | 'info' | 'warn' = 'info'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n'))
          if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  });
  return { logger, lines };
}
