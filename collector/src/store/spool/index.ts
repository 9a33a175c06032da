export {
  createSpool,
  type Spool,
  type SpoolConfig,
  type SpoolDeps,
  type SpoolHooks,
  type SpoolStats,
} from './spool.js';
