import { Router, type Request } from 'express';
import * as client from 'openid-client';
import type { RouteDoc } from '../http/route-doc.js';
import { BadRequestError, PaywatchError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { ForbiddenError, sessionCookieName } from './access-control.js';
import type { AuthService } from './auth.service.js';
import { ROLES, type Role } from './roles.js';

/** OpenID Connect single sign-on (authorization code flow with PKCE, state and nonce). */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This collector's callback URL as registered at the provider (…/api/auth/oidc/callback). */
  redirectUrl: string;
  /** ID token claim holding the user's groups (a list of strings). */
  groupsClaim: string;
  /** Group → role; the highest matching role wins. */
  roleMap: { group: string; role: Role }[];
  /** Role of users in none of the groups (null: they are refused). */
  defaultRole: Role | null;
}

export const OIDC_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/auth/oidc/login',
    tag: 'auth',
    auth: 'none',
    summary: 'Start single sign-on: redirects to the OpenID Connect provider',
    response: { status: 302, description: 'Redirect to the provider' },
    errors: { 404: 'Single sign-on is not configured.', 503: 'The provider cannot be reached.' },
  },
  {
    method: 'get',
    path: '/api/auth/oidc/callback',
    tag: 'auth',
    auth: 'none',
    summary: 'Single sign-on callback: checks the code, sets the session cookie, redirects to the dashboard',
    response: { status: 302, description: 'Signed in; redirect to /' },
    errors: {
      400: 'Missing or mismatched state (start again).',
      401: 'The provider refused, or the user is disabled.',
      403: "None of the user's groups maps to a role.",
    },
  },
];

/** The role the user's groups give: the highest mapped one, else the default (null: refuse). */
export function roleOfGroups(
  groups: readonly string[],
  config: Pick<OidcConfig, 'roleMap' | 'defaultRole'>,
): Role | null {
  let best: Role | null = null;
  for (const m of config.roleMap) {
    if (groups.includes(m.group) && (best === null || ROLES.indexOf(m.role) > ROLES.indexOf(best)))
      best = m.role;
  }
  return best ?? config.defaultRole;
}

const FLOW_COOKIE = 'pw_oidc';
const FLOW_TTL_MS = 10 * 60_000;
const isLoopback = (u: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);

/**
 * `/api/auth/oidc/login` and `/callback`. Pending flows (state → nonce, PKCE verifier) live
 * in memory for 10 minutes, bound to the browser by an HTTP-only cookie holding the state.
 * Plain-HTTP issuers are accepted on loopback only (tests, local IdPs).
 */
export function createOidcRouter(
  deps: { auth: AuthService; secure: boolean; sessionTtlMs: number; logger: Logger },
  config: OidcConfig,
): Router {
  const log = deps.logger.child({ component: 'oidc' });
  const r = Router();
  const issuer = new URL(config.issuer);
  const pending = new Map<string, { nonce: string; verifier: string; expires: number }>();
  let discovered: Promise<client.Configuration> | null = null;
  const configuration = () => {
    discovered ??= client
      .discovery(issuer, config.clientId, undefined, client.ClientSecretPost(config.clientSecret), {
        // Verify the ID token's signature against the provider's JWKS too (by default a token
        // fetched over TLS is trusted unsigned); plain HTTP only for a provider on loopback.
        execute: [
          client.enableNonRepudiationChecks,
          ...(isLoopback(issuer) && issuer.protocol === 'http:' ? [client.allowInsecureRequests] : []),
        ],
      })
      .catch((err: unknown) => {
        discovered = null; // retry on the next sign-in
        log.warn({ err }, 'OIDC discovery failed');
        throw new PaywatchError('the single sign-on provider cannot be reached', {
          status: 503,
          code: 'sso_unavailable',
          retryable: true,
          cause: err,
        });
      });
    return discovered;
  };
  const flowCookie = (value: string, maxAge: number) =>
    `${FLOW_COOKIE}=${value}; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${deps.secure ? '; Secure' : ''}`;

  r.get('/api/auth/oidc/login', async (_req, res) => {
    const c = await configuration();
    const now = Date.now();
    for (const [k, v] of pending) if (v.expires < now) pending.delete(k);
    if (pending.size > 10_000)
      throw new PaywatchError('too many sign-ins in progress', {
        status: 503,
        code: 'busy',
        retryable: true,
      });
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    pending.set(state, { nonce, verifier, expires: now + FLOW_TTL_MS });
    const url = client.buildAuthorizationUrl(c, {
      redirect_uri: config.redirectUrl,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    // SameSite=Lax: the provider's redirect back is a cross-site top-level GET, which Lax cookies survive.
    res.setHeader('Set-Cookie', flowCookie(state, FLOW_TTL_MS / 1000));
    res.redirect(302, url.href);
  });

  r.get('/api/auth/oidc/callback', async (req: Request, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const cookieState = /(?:^|;\s*)pw_oidc=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const flow = pending.get(state);
    if (!state || state !== cookieState || !flow || flow.expires < Date.now()) {
      throw new BadRequestError(
        'single sign-on state is missing, expired or from another browser; start again',
        'state',
      );
    }
    pending.delete(state);
    const c = await configuration();
    const current = new URL(config.redirectUrl);
    current.search = new URLSearchParams(req.query as Record<string, string>).toString();
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(c, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'OIDC code exchange refused');
      await deps.auth.record(
        { principal: { kind: 'anonymous' }, ip: req.ip ?? null },
        'auth.login',
        'failure',
        null,
        { method: 'oidc', reason: 'provider_refused' },
      );
      throw new PaywatchError('the single sign-on provider did not confirm this sign-in', {
        status: 401,
        code: 'unauthorized',
      });
    }
    if (!claims)
      throw new PaywatchError('no ID token from the provider', { status: 401, code: 'unauthorized' });
    const raw = claims[config.groupsClaim];
    const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : [];
    const name =
      [claims.preferred_username, claims.email, claims.sub].find(
        (v): v is string => typeof v === 'string' && v.length > 0,
      ) ?? claims.sub;
    const role = roleOfGroups(groups, config);
    if (role === null) {
      await deps.auth.record(
        { principal: { kind: 'anonymous' }, ip: req.ip ?? null },
        'auth.login',
        'failure',
        name.slice(0, 64),
        { method: 'oidc', reason: 'no_role', groups: groups.join(',').slice(0, 200) },
      );
      throw new ForbiddenError('none of your groups gives access to paywatch');
    }
    const s = await deps.auth.ssoLogin(
      { subject: `${claims.iss}|${claims.sub}`, username: name, role, groups },
      req.ip ?? null,
    );
    const attrs = [
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${Math.floor(deps.sessionTtlMs / 1000)}`,
      ...(deps.secure ? ['Secure'] : []),
    ];
    res.setHeader('Set-Cookie', [
      `${sessionCookieName(deps.secure)}=${s.token}; ${attrs.join('; ')}`,
      flowCookie('', 0),
    ]);
    res.redirect(302, '/');
  });
  return r;
}
