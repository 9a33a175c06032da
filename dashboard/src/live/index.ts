export { useLive } from './use-live.js';
export type { LiveView } from './use-live.js';
export { createLiveClient } from './live-client.js';
export type { ConnectionState, LiveClient, LiveHandlers, LiveSocket } from './live-client.js';
export { mergeFeed, toLiveTransaction } from './feed.js';
export type { FeedRow } from './feed.js';
