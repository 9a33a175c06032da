import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Paths pino removes from every log line: a second line of defence behind the mask step, so a
 * careless `log.info({req})` cannot print credentials or card data.
 */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.hashKey',
  '*.pan',
  '*.card_number',
  '*.cvv',
  '*.cvc',
  'body',
  '*.body',
  'rawBody',
  '*.rawBody',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Defaults to stdout; tests pass a stream to inspect output. */
  destination?: DestinationStream;
}

/** Creates the root logger. Components take `logger.child({component: 'x'})`. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'paywatch' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
