import { z } from 'zod';
import { ApiError, requestJson } from './http.js';
import { API_BASE, rangeSearch, type RangeParams } from './read-api.js';

/**
 * The checkout funnel computed from Faro RUM events (`computeFunnel` in
 * collector/src/sources/faro/rum.ts): sessions reaching each step, in order.
 */
export const FunnelSchema = z.object({
  steps: z.array(
    z.object({
      step: z.string(),
      sessions: z.number(),
      conversion_from_previous: z.number().nullable(),
      conversion_from_first: z.number().nullable(),
    }),
  ),
});
export type Funnel = z.infer<typeof FunnelSchema>;

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
