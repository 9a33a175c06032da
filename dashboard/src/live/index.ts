export { useLive } from './use-live.js';
export { useAlertStream, useRefetchOn, alertRefreshHandlers } from './use-alert-stream.js';
export type { AlertStream } from './use-alert-stream.js';
export { alertPollMs, ALERT_POLL_MS, createCoalescer } from './alert-refresh.js';
export type { LiveView } from './use-live.js';
export { createLiveClient } from './live-client.js';
export type { ConnectionState, LiveClient, LiveHandlers, LiveSocket } from './live-client.js';
export { mergeFeed, toLiveTransaction } from './feed.js';
export type { FeedRow } from './feed.js';
