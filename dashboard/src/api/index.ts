export { ApiError, ContractError, requestJson } from './http.js';
export { readApi, rangeSearch, API_BASE } from './read-api.js';
export type { RangeParams } from './read-api.js';
export { alertsApi, AlertEngineUnavailableError, matcherText, silenceFor } from './alerts-api.js';
export type {
  Alert,
  AlertDetail,
  AlertFilter,
  AlertPage,
  Delivery,
  Silence,
  SilenceRequest,
} from './alerts-api.js';
export { notifyUnauthorized, onUnauthorized, setCsrfToken } from './http.js';
export { sessionApi } from './session-api.js';
export type { Me } from './session-api.js';
export { fetchFunnel, FunnelUnavailableError } from './funnel-api.js';
export type { Funnel } from './funnel-api.js';
