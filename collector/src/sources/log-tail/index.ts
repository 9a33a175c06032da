// Public surface of the log-tail source.
export { createLogTailer, expandPath, type LogTailer, type LogTailerDeps } from './log-tailer.js';
export {
  LogTailConfigSchema,
  TailFileSchema,
  PaymentMappingSchema,
  PAYMENT_FIELDS,
  type LogTailConfig,
  type TailFile,
  type PaymentMapping,
} from './log-tail.config.js';
export { type LogRecord, type LogRecordWriter, toLogRecord, mapPaymentLine } from './line-mapper.js';
export { parseLine, parseLogfmt } from './line-parser.js';
export { createOffsetStore, type OffsetStore, type FileOffset } from './offset-store.js';
