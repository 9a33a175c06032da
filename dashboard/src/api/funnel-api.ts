import { FunnelSchema, type Funnel } from '@paywatch/contracts';
import { ApiError, requestJson } from './http.js';
import { API_BASE, rangeSearch, type RangeParams } from './read-api.js';

export type { Funnel };

/** The collector has no funnel route (no Faro RUM source mounted): 404. */
export class FunnelUnavailableError extends Error {
  constructor() {
    super('funnel API not available');
    this.name = 'FunnelUnavailableError';
  }
}

/** `GET /api/v1/funnel?from&to&method&channel` (method/channel filter the RUM event attributes). */
export function fetchFunnel(p: RangeParams, signal?: AbortSignal): Promise<Funnel> {
  return requestJson(`${API_BASE}/funnel?${rangeSearch(p)}`, FunnelSchema, { signal }).catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 404) throw new FunnelUnavailableError();
    throw e;
  });
}
