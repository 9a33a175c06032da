// Public surface of the data lifecycle: backups, restores, retention and erasure.
export {
  FORMAT,
  MANIFEST,
  backupAudit,
  backupEvents,
  eraseFromBackup,
  readManifest,
  restoreEvents,
} from './backup.js';
export type { BackupOptions, BackupResult, Manifest, RestoreResult } from './backup.js';
export { createDataLifecycle } from './lifecycle.js';
export type { DataLifecycle, LifecycleConfig } from './lifecycle.js';
export { LIFECYCLE_ROUTE_DOCS, createLifecycleRouter } from './lifecycle.routes.js';
