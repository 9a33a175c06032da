export {
  createSpool,
  type LineKey,
  type LineWriter,
  type Spool,
  type SpoolConfig,
  type SpoolDeps,
  type SpoolHooks,
  type SpoolRefusal,
  type SpoolRecordWriter,
  type SpoolStats,
} from './spool.js';
