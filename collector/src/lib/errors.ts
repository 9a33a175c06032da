/**
 * Named errors carrying an HTTP status, a stable machine code and whether retrying may help.
 * The HTTP edge maps them to `{error: {code, message, field?}}` (see http/errors.ts); nothing
 * else formats error responses.
 */
export class PaywatchError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryable: boolean;
  readonly field: string | undefined;
  constructor(
    message: string,
    opts: { status: number; code: string; retryable?: boolean; field?: string; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = opts.status;
    this.code = opts.code;
    this.retryable = opts.retryable ?? false;
    this.field = opts.field;
  }
}

/** 400: the request is malformed or a parameter is invalid. `field` names it. */
export class BadRequestError extends PaywatchError {
  constructor(message: string, field?: string, code = 'bad_request') {
    super(message, { status: 400, code, ...(field === undefined ? {} : { field }) });
  }
}

/** 401: missing or wrong credentials. */
export class UnauthorizedError extends PaywatchError {
  constructor(message = 'missing or invalid API key') {
    super(message, { status: 401, code: 'unauthorized' });
  }
}

/** 404 */
export class NotFoundError extends PaywatchError {
  constructor(message: string) {
    super(message, { status: 404, code: 'not_found' });
  }
}

/** 413: a request exceeds an explicit limit (body size, batch size). */
export class PayloadTooLargeError extends PaywatchError {
  constructor(message: string) {
    super(message, { status: 413, code: 'payload_too_large' });
  }
}

/** 415 */
export class UnsupportedMediaTypeError extends PaywatchError {
  constructor(message: string) {
    super(message, { status: 415, code: 'unsupported_media_type' });
  }
}

/** 429/503: try again later; `retryAfterS` becomes the Retry-After header. */
export class OverloadedError extends PaywatchError {
  readonly retryAfterS: number;
  constructor(message: string, retryAfterS: number, status: 429 | 503 = 503, cause?: unknown) {
    super(message, { status, code: status === 429 ? 'rate_limited' : 'unavailable', retryable: true, cause });
    this.retryAfterS = retryAfterS;
  }
}

/** The store could not complete an operation. Retryable unless stated. */
export class StoreError extends PaywatchError {
  constructor(message: string, cause?: unknown, retryable = true) {
    super(message, { status: 503, code: 'store_unavailable', retryable, cause });
  }
}

/** Invalid configuration: names the variable. Stops the start. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
