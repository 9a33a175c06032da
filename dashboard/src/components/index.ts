export { StatusBadge } from './status-badge.js';
export { QueryView } from './query-view.js';
export { TxTable } from './tx-table.js';
export type { TxRow } from './tx-table.js';
export { ErrorBoundary } from './error-boundary.js';
export { formatMinor, maskedCard } from './format-helpers.js';
