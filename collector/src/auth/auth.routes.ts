import { Router, type Request } from 'express';
import { z } from 'zod';
import type { RouteDoc } from '../http/route-doc.js';
import { BadRequestError, UnsupportedMediaTypeError } from '../lib/errors.js';
import { principalOf, sessionCookieName } from './access-control.js';
import type { ActionContext, AuthService } from './auth.service.js';
import type { RateLimiter } from './rate-limit.js';
import { requestOwnOrigin } from '../sources/faro/faro.router.js';
import { OverloadedError } from '../lib/errors.js';
import { clientLimitKey } from '../lib/client-ip.js';
import { createJsonBody } from '../lib/json-body.js';
import { ROLES, SCOPES } from './roles.js';

const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
  last_login_at: z.number().int().nullable(),
});
const KeySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  prefix: z.string(),
  created_by: z.string().nullable(),
  created_at: z.number().int(),
  revoked_at: z.number().int().nullable(),
  last_used_at: z.number().int().nullable(),
});
/** `GET /api/auth/me` when nobody is signed in (no credentials, or an ended session). */
const AnonymousMeSchema = z.object({
  kind: z.literal('anonymous'),
  name: z.null(),
  role: z.null(),
  scopes: z.array(z.string()).max(0).describe('Always empty'),
  csrf_token: z.null(),
  faro_receiver: z.boolean().describe('As for a signed-in caller'),
});
const LoginSchema = z.object({ username: z.string().max(64), password: z.string().max(1024) });
const MeSchema = z.object({
  kind: z.enum(['user', 'key']),
  name: z.string(),
  role: z.enum(ROLES).nullable().describe('The user role; null for API keys'),
  scopes: z.array(z.enum(SCOPES)).describe('API key scopes; empty for users'),
  csrf_token: z
    .string()
    .nullable()
    .describe('Send as X-CSRF-Token on POST/PUT/PATCH/DELETE when using the session cookie'),
  faro_receiver: z
    .boolean()
    .describe(
      "This collector's Faro receiver (/faro/collect) accepts beacons from the page's own origin without an API key: the dashboard reports its own RUM only then",
    ),
});
// Admin bodies are strict: a misspelt field (`disable` for `disabled`) must be a 400 naming it,
// not a 200 that silently changed nothing.
const CreateUserSchema = z.strictObject({ username: z.string(), password: z.string(), role: z.enum(ROLES) });
const UpdateUserSchema = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    password: z.string().optional(),
    disabled: z.boolean().optional(),
  })
  .refine((b) => b.role !== undefined || b.password !== undefined || b.disabled !== undefined, {
    message: 'nothing to change: give role, password or disabled',
  });
const CreateKeySchema = z.strictObject({ name: z.string(), scopes: z.array(z.enum(SCOPES)).min(1) });

const json = { contentTypes: ['application/json'] };
const adminErrors = {
  400: 'Invalid body; `error.field` names the field.',
  401: 'Not signed in.',
  403: 'Not an admin, or a missing CSRF token.',
};
const idParam = { id: 'The id' };
const NOT_JSON = 'The body is not application/json.';
const TOO_LARGE =
  'The body is over 16 KiB (answered as soon as it is known — a `Content-Length` over it, or a chunked body passing it — and the connection closed).';

export const AUTH_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/auth/login',
    tag: 'auth',
    auth: 'none',
    summary: 'Sign in: sets the HTTP-only session cookie',
    description: 'Rate limited per IP (PAYWATCH_RATE_LIMIT_LOGIN). Every attempt is audited.',
    body: { ...json, schema: LoginSchema, description: 'Credentials' },
    response: { status: 200, schema: MeSchema, description: 'The signed-in user and the CSRF token' },
    errors: {
      400: 'Malformed body.',
      401: 'Wrong user name or password.',
      413: TOO_LARGE,
      429: 'Too many attempts; see Retry-After.',
    },
  },
  {
    method: 'get',
    path: '/api/auth/providers',
    tag: 'auth',
    auth: 'none',
    summary: 'How to sign in here: password, and single sign-on when configured (for the sign-in page)',
    response: {
      status: 200,
      schema: z.object({ password: z.boolean(), oidc: z.object({ login_url: z.string() }).nullable() }),
      description: 'Sign-in methods',
    },
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    tag: 'auth',
    auth: 'viewer',
    summary: 'Sign out: ends the session and clears the cookie',
    response: { status: 204, description: 'Signed out' },
    errors: { 401: 'Not signed in.', 403: 'Missing CSRF token.' },
  },
  {
    method: 'get',
    path: '/api/auth/me',
    tag: 'auth',
    auth: 'optional',
    summary: 'Who am I: user and role (or key and scopes), and the CSRF token',
    description:
      'Answers 200 to everyone, so a browser that is not signed in gets `kind: "anonymous"` (and shows the sign-in form) instead of a failed request.',
    response: {
      status: 200,
      schema: z.union([MeSchema, AnonymousMeSchema]),
      description: 'The caller, or `kind: "anonymous"` without (or with an expired) session',
    },
    errors: { 401: 'An invalid API key or a malformed Authorization header.' },
  },
  {
    method: 'get',
    path: '/api/admin/users',
    tag: 'admin',
    auth: 'admin',
    summary: 'List users',
    response: { status: 200, schema: z.object({ users: z.array(UserSchema) }), description: 'Users' },
    errors: adminErrors,
  },
  {
    method: 'post',
    path: '/api/admin/users',
    tag: 'admin',
    auth: 'admin',
    summary: 'Create a user',
    body: { ...json, schema: CreateUserSchema, description: 'User' },
    response: { status: 201, schema: UserSchema, description: 'Created' },
    errors: { ...adminErrors, 409: 'The name is taken.', 413: TOO_LARGE, 415: NOT_JSON },
  },
  {
    method: 'patch',
    path: '/api/admin/users/{id}',
    tag: 'admin',
    auth: 'admin',
    summary: "Change a user's role, password or disabled flag (ends their sessions)",
    pathParams: idParam,
    body: { ...json, schema: UpdateUserSchema, description: 'Changes' },
    response: { status: 200, schema: UserSchema, description: 'Updated' },
    errors: {
      ...adminErrors,
      404: 'No such user.',
      409: 'Would leave no enabled admin.',
      413: TOO_LARGE,
      415: NOT_JSON,
    },
  },
  {
    method: 'delete',
    path: '/api/admin/users/{id}',
    tag: 'admin',
    auth: 'admin',
    summary: 'Delete a user',
    pathParams: idParam,
    response: { status: 204, description: 'Deleted' },
    errors: { ...adminErrors, 404: 'No such user.', 409: 'Would leave no enabled admin.', 415: NOT_JSON },
  },
  {
    method: 'get',
    path: '/api/admin/keys',
    tag: 'admin',
    auth: 'admin',
    summary: 'List API keys (never the secrets)',
    response: { status: 200, schema: z.object({ keys: z.array(KeySchema) }), description: 'Keys' },
    errors: adminErrors,
  },
  {
    method: 'post',
    path: '/api/admin/keys',
    tag: 'admin',
    auth: 'admin',
    summary: 'Create an API key; the key is in this response only',
    body: { ...json, schema: CreateKeySchema, description: 'Name and scopes' },
    response: {
      status: 201,
      schema: KeySchema.extend({ key: z.string() }),
      description: 'The key (shown once) and its metadata',
    },
    errors: { ...adminErrors, 413: TOO_LARGE, 415: NOT_JSON },
  },
  {
    method: 'delete',
    path: '/api/admin/keys/{id}',
    tag: 'admin',
    auth: 'admin',
    summary: 'Revoke an API key',
    pathParams: idParam,
    response: { status: 200, schema: KeySchema, description: 'Revoked' },
    errors: { ...adminErrors, 404: 'No such key.' },
  },
  {
    method: 'get',
    path: '/api/admin/config',
    tag: 'admin',
    auth: 'admin',
    summary: 'The running configuration, secrets redacted',
    response: { status: 200, contentType: 'application/json', description: 'Configuration' },
    errors: adminErrors,
  },
];

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  // express.json leaves the body undefined when the request is not application/json.
  if (body === undefined) throw new UnsupportedMediaTypeError('send the body as application/json');
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue?.code === 'unrecognized_keys') {
      const k = (issue.keys[0] ?? '').slice(0, 64);
      throw new BadRequestError(`unknown field "${k}"`, k);
    }
    throw new BadRequestError(issue?.message ?? 'invalid body', issue?.path.join('.') || undefined);
  }
  return r.data;
}

const param = (req: Request, name: string): string => {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
};

const FaroConfigSchema = z.object({
  signals: z.object({
    faro: z.object({ enabled: z.boolean(), apiKey: z.string().nullable() }),
  }),
});

/**
 * Whether the Faro receiver would accept the dashboard's own beacons: it is mounted, wants no API
 * key (the dashboard has none) and the origin this request came to is one it can name (the
 * receiver always accepts its own origin; browsers send `Origin` on every POST, same-origin
 * included). Otherwise the dashboard sends no beacons rather than a stream of refused ones
 * (401/403 in every user's console).
 */
function faroReceiverFor(req: Request, describeConfig: () => Record<string, unknown>): boolean {
  const c = FaroConfigSchema.safeParse(describeConfig());
  if (!c.success) return false;
  const { enabled, apiKey } = c.data.signals.faro;
  return enabled && apiKey === null && requestOwnOrigin(req) !== null;
}

/** Sign in/out, who-am-I, and the admin API for users, API keys and the redacted config. Authorization is the access-control middleware's job. */
export function createAuthRouter(deps: {
  auth: AuthService;
  secure: boolean;
  sessionTtlMs: number;
  loginLimiter: RateLimiter;
  describeConfig: () => Record<string, unknown>;
  /** Single sign-on is configured (advertised by /api/auth/providers). */
  oidc?: boolean;
}): Router {
  const r = Router();
  const cookie = sessionCookieName(deps.secure);
  const body = createJsonBody(16 * 1024);
  const ctx = (req: Request, res: Parameters<typeof principalOf>[0]): ActionContext => ({
    principal: principalOf(res),
    ip: req.ip ?? null,
  });

  r.post('/api/auth/login', body, async (req, res) => {
    // A JSON content type cannot be sent cross-site without a CORS preflight: no login CSRF.
    const limit = deps.loginLimiter.take(clientLimitKey(req.ip ?? 'unknown'));
    if (!limit.ok)
      throw new OverloadedError(
        `too many sign-in attempts; retry after ${limit.retryAfterS} s`,
        limit.retryAfterS,
        429,
      );
    if (!req.is('application/json')) throw new BadRequestError('send the credentials as application/json');
    const { username, password } = parseBody(LoginSchema, req.body);
    const s = await deps.auth.login(username, password, req.ip ?? null);
    const attrs = [
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${Math.floor(deps.sessionTtlMs / 1000)}`,
      ...(deps.secure ? ['Secure'] : []),
    ];
    res.setHeader('Set-Cookie', `${cookie}=${s.token}; ${attrs.join('; ')}`);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      kind: 'user',
      name: s.user.username,
      role: s.user.role,
      scopes: [],
      csrf_token: s.csrf,
      faro_receiver: faroReceiverFor(req, deps.describeConfig),
    });
  });
  r.post('/api/auth/logout', async (req, res) => {
    await deps.auth.logout(ctx(req, res));
    res.setHeader(
      'Set-Cookie',
      `${cookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${deps.secure ? '; Secure' : ''}`,
    );
    res.status(204).end();
  });
  r.get('/api/auth/providers', (_req, res) => {
    res.json({ password: true, oidc: deps.oidc ? { login_url: '/api/auth/oidc/login' } : null });
  });
  r.get('/api/auth/me', (req, res) => {
    const p = principalOf(res);
    res.setHeader('Cache-Control', 'no-store');
    const faro_receiver = faroReceiverFor(req, deps.describeConfig);
    if (p.kind === 'user')
      res.json({ kind: 'user', name: p.name, role: p.role, scopes: [], csrf_token: p.csrf, faro_receiver });
    else if (p.kind === 'key')
      res.json({ kind: 'key', name: p.name, role: null, scopes: p.scopes, csrf_token: null, faro_receiver });
    // Not signed in is an answer, not an error: the dashboard asks this on every page load.
    else res.json({ kind: 'anonymous', name: null, role: null, scopes: [], csrf_token: null, faro_receiver });
  });

  r.get('/api/admin/users', (_req, res) => {
    res.json({ users: deps.auth.listUsers() });
  });
  r.post('/api/admin/users', body, async (req, res) => {
    res.status(201).json(await deps.auth.createUser(parseBody(CreateUserSchema, req.body), ctx(req, res)));
  });
  r.patch('/api/admin/users/:id', body, async (req, res) => {
    const b = parseBody(UpdateUserSchema, req.body);
    res.json(
      await deps.auth.updateUser(
        param(req, 'id'),
        {
          ...(b.role ? { role: b.role } : {}),
          ...(b.password !== undefined ? { password: b.password } : {}),
          ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
        },
        ctx(req, res),
      ),
    );
  });
  r.delete('/api/admin/users/:id', async (req, res) => {
    await deps.auth.deleteUser(param(req, 'id'), ctx(req, res));
    res.status(204).end();
  });
  r.get('/api/admin/keys', (_req, res) => {
    res.json({ keys: deps.auth.listKeys() });
  });
  r.post('/api/admin/keys', body, async (req, res) => {
    const { key, view } = await deps.auth.createKey(parseBody(CreateKeySchema, req.body), ctx(req, res));
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ ...view, key });
  });
  r.delete('/api/admin/keys/:id', async (req, res) => {
    res.json(await deps.auth.revokeKey(param(req, 'id'), ctx(req, res)));
  });
  r.get('/api/admin/config', (_req, res) => {
    res.json(deps.describeConfig());
  });
  return r;
}
