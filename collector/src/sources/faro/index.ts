// Public surface of the Faro (browser RUM) source.
export { createFaroRouter, FARO_PATH, requestOwnOrigin, type FaroRouterDeps } from './faro.router.js';
export { FARO_ROUTE_DOCS } from './faro.route-docs.js';
export { FaroPayloadSchema, toRumRecords, pageUrlOf, type FaroPayload } from './faro-payload.js';
export {
  computeFunnel,
  parseFunnelStep,
  CHECKOUT_FUNNEL,
  type RumRecord,
  type RumWriter,
  type RumKind,
  type FunnelStep,
  type FunnelResult,
} from './rum.js';
