// Public surface of the store contract suite: a backend's test file imports from here.
export { describeStoreContract, compareBytes } from './store-contract.js';
export type { StoreUnderTest } from './store-contract.js';
export { AWKWARD_STRINGS, createRandom, generateEvents } from './events.js';
export type { GenerateOptions } from './events.js';
export { describeSignalsContract, referencePending } from './signals-contract.js';
export type { SignalsUnderTest } from './signals-contract.js';
export { describeFeedContract } from './feed-contract.js';
export type { FeedUnderTest } from './feed-contract.js';
