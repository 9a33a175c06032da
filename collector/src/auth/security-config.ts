import type { OidcConfig } from './oidc.routes.js';

/** Access control, transport and data-lifecycle settings; `config.ts` builds it from the environment. */
export interface SecurityConfig {
  /** Password of the admin created on first start (null: one is generated and printed once). */
  adminPassword: string | null;
  sessionTtlMs: number;
  /** Serve `/metrics` without credentials (default false: Prometheus sends a `read` key as bearer_token). */
  metricsPublic: boolean;
  /** PEM certificate chain and key: serve HTTPS (and HSTS). */
  tls: { cert: string; key: string } | null;
  /**
   * Which peers are proxies whose X-Forwarded-For names the client (Express `trust proxy`): false
   * (default: the peer is the client), a hop count, or addresses, CIDRs and the names `loopback`,
   * `linklocal`, `uniquelocal`. The client IP drives the per-IP and sign-in rate limits and the audit log.
   */
  trustProxy: false | number | string[];
  /** Origins allowed to call the API from a browser (CORS); empty: same origin only. */
  corsOrigins: string[];
  /** Requests per minute (token buckets): per client IP, per API key, and login attempts per IP. */
  rateLimits: {
    perIpPerMinute: number;
    perKeyPerMinute: number;
    loginPerMinute: number;
    /** Bytes of events-API bodies held at once (beyond: 503 + Retry-After); default 128 MiB. */
    ingestInflightBytes?: number;
  };
  /** Days kept, per table; older rows are deleted by the retention job (0 = keep forever). */
  retentionDays: { payment_events: number; audit_log: number };
  /** Directory of the running collector's scheduled incremental backups (null: none). */
  backupDir: string | null;
  backupIntervalHours: number;
  /** OpenID Connect single sign-on (null: password sign-in only). */
  oidc: OidcConfig | null;
}
