import { ChannelError } from './types.js';

/**
 * POSTs a body and classifies the outcome: 2xx ok; 408/429/5xx and network errors retryable;
 * other 4xx permanent. Returns the response text. Error messages never include the URL
 * (webhook URLs are secrets).
 */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<string> {
  const ctl = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const signal = opts.signal ? AbortSignal.any([ctl, opts.signal]) : ctl;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers, signal });
  } catch (e) {
    throw new ChannelError(`request failed: ${networkReason(e)}`, { retryable: true, cause: e });
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return text;
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new ChannelError(`HTTP ${res.status}: ${text.slice(0, 200)}`, { retryable, status: res.status });
}

/**
 * Why a request never got an answer, for the delivery log: `timeout`, or fetch's message with the
 * system error code underneath it (`fetch failed (ECONNREFUSED)`, `ENOTFOUND`, `ECONNRESET`,
 * `CERT_HAS_EXPIRED`…) — fetch alone says only "fetch failed", whatever happened. Only the code:
 * the cause's own message can hold the host and port.
 */
function networkReason(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError') return 'timeout';
  const cause = (e as { cause?: unknown }).cause;
  const code =
    cause !== null && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : null;
  return code ? `${e.message} (${code})` : e.message;
}

/** POST JSON. */
export function postJson(
  url: string,
  payload: unknown,
  opts: { timeoutMs?: number; signal?: AbortSignal | undefined; headers?: Record<string, string> } = {},
): Promise<string> {
  return post(
    url,
    JSON.stringify(payload),
    { 'content-type': 'application/json', ...(opts.headers ?? {}) },
    opts,
  );
}

/** Host of a URL for logs (never the path or query, which may hold tokens). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
