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
    throw new ChannelError(
      `request failed: ${(e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message}`,
      { retryable: true, cause: e },
    );
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return text;
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new ChannelError(`HTTP ${res.status}: ${text.slice(0, 200)}`, { retryable, status: res.status });
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
