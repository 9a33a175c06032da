export * from './enums.js';
export * from './currency.js';
export * from './country.js';
export * from './payment-event.js';
export * from './dimensions.js';
export * from './api.js';
export * from './live.js';
export * from './signals.js';
