import { ErrorBodySchema } from '@paywatch/contracts';
import type { z } from 'zod';

/** A non-2xx answer from the collector, carrying its `{error:{code,message,field?}}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The response did not match the contract: a version skew between dashboard and collector. */
export class ContractError extends Error {
  constructor(
    readonly url: string,
    readonly issues: string,
  ) {
    super(`unexpected response from ${url}: ${issues}`);
    this.name = 'ContractError';
  }
}

let csrfToken: string | null = null;
const unauthorizedListeners = new Set<() => void>();

/** The session's CSRF token, sent as `X-CSRF-Token` on every state-changing request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Hears every 401 (session expired or signed out elsewhere) so the shell can ask to sign in. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Tells the unauthorized listeners (used by the live stream when its handshake is refused). */
export function notifyUnauthorized(): void {
  for (const l of unauthorizedListeners) l();
}

export interface RequestOptions {
  signal?: AbortSignal;
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  /** A 401 is an expected answer (e.g. "who am I?"): do not tell the unauthorized listeners. */
  quiet401?: boolean;
}

/**
 * Fetches JSON and validates it with `schema` (a boundary: STYLE.md §5). Rejects with
 * `ApiError` for error statuses and `ContractError` for a body that does not match.
 */
export async function requestJson<S extends z.ZodType>(
  url: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.output<S>> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, init);
  if (res.status === 401 && !opts.quiet401) notifyUnauthorized();
  const text = await res.text();
  let json: unknown = undefined;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      if (res.ok) throw new ContractError(url, 'body is not JSON');
    }
  }
  if (!res.ok) {
    const body = ErrorBodySchema.safeParse(json);
    if (body.success)
      throw new ApiError(res.status, body.data.error.code, body.data.error.message, body.data.error.field);
    throw new ApiError(res.status, `http_${res.status}`, res.statusText || `HTTP ${res.status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ContractError(
      url,
      parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; '),
    );
  }
  return parsed.data;
}
