import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuditAction, AuditDetails, AuditLog } from '../audit/types.js';
import { BadRequestError, NotFoundError, PaywatchError, UnauthorizedError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { cutText, maskPans } from '../lib/pan.js';
import { MIN_PASSWORD_LENGTH, dummyHash, hashPassword, verifyPassword } from './password.js';
import { actorOf, isRole, isScope, SCOPES, type Principal, type Role, type Scope } from './roles.js';
import type { SecurityDb } from './security-db.js';

/** A user as the API shows it (never the hash). */
export interface UserView {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

/** An API key as the API lists it: the secret itself is shown once, at creation, and stored only as a hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  scopes: Scope[];
  /** First characters of the key, to recognise it. */
  prefix: string;
  created_by: string | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** Who acts and from where, for the audit trail. */
export interface ActionContext {
  principal: Principal;
  ip: string | null;
}

export interface AuthConfig {
  /** Password for the first admin; when absent one is generated and returned by `start()`. */
  adminPassword: string | null;
  sessionTtlMs: number;
  /** Static ingest keys from the environment (scope `ingest`). */
  staticIngestKeys: readonly string[];
}

/**
 * Users, sessions and API keys over the security database, with the audit trail. Keeps small
 * in-memory indexes (users, live sessions, keys by hash) written through to the database, so
 * checking a request costs one hash and one map lookup. Single collector instance per data dir.
 * Lifecycle: `start()` loads and creates the first admin; the database is closed by its owner.
 */
export interface AuthService {
  readonly audit: AuditLog;
  /** Loads state; creates the first admin when there is no user. Returns the generated password (print once) or null. */
  start(): Promise<{ generatedAdminPassword: string | null }>;
  login(
    username: string,
    password: string,
    ip: string | null,
  ): Promise<{ token: string; csrf: string; user: UserView; expiresAt: number }>;
  /**
   * Signs in a user vouched for by the OIDC provider: finds them by `subject` (issuer|sub) or
   * creates them (no usable password), sets the role the provider's groups map to, and opens
   * a session. Refused (and audited) for disabled users.
   */
  ssoLogin(
    input: { subject: string; username: string; role: Role; groups: string[] },
    ip: string | null,
  ): Promise<{ token: string; csrf: string; user: UserView; expiresAt: number }>;
  logout(ctx: ActionContext): Promise<void>;
  /** The user behind a session cookie, or null when unknown/expired/disabled. */
  sessionPrincipal(token: string): Principal | null;
  /** The key behind a bearer token, or null (and a `key.auth_failed` audit entry). */
  keyPrincipal(token: string, ip: string | null): Promise<Principal | null>;
  listUsers(): UserView[];
  getUser(id: string): UserView;
  createUser(
    input: { username: string; password: string; role: Role },
    ctx: ActionContext,
  ): Promise<UserView>;
  updateUser(
    id: string,
    input: { role?: Role; password?: string; disabled?: boolean },
    ctx: ActionContext,
  ): Promise<UserView>;
  deleteUser(id: string, ctx: ActionContext): Promise<void>;
  listKeys(): ApiKeyView[];
  createKey(
    input: { name: string; scopes: Scope[] },
    ctx: ActionContext,
  ): Promise<{ key: string; view: ApiKeyView }>;
  revokeKey(id: string, ctx: ActionContext): Promise<ApiKeyView>;
  /** Appends an audit entry for `ctx`; failures are logged, never thrown (the action already happened). */
  record(
    ctx: ActionContext,
    action: AuditAction,
    outcome: 'success' | 'failure',
    target: string | null,
    details?: AuditDetails,
  ): Promise<void>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const KEY_NAME = /^[\w .:@()-]{1,64}$/;
/** last_used_at is written at most this often per key (it is kept exact in memory). */
const LAST_USED_WRITE_MS = 60_000;

interface UserRow extends UserView {
  password_hash: string;
  sso_subject: string | null;
}
/** Stored instead of a hash for OIDC users: argon2 cannot parse it, so no password ever matches. */
const NO_PASSWORD = '!sso';
interface SessionRow {
  token_hash: string;
  user_id: string;
  csrf: string;
  expires_at: number;
}
interface KeyRow extends ApiKeyView {
  key_hash: string;
  last_written: number;
}

export class ConflictError extends PaywatchError {
  constructor(message: string) {
    super(message, { status: 409, code: 'conflict' });
  }
}

function userView(u: UserRow): UserView {
  const { password_hash: _h, sso_subject: _s, ...v } = u;
  return v;
}
function keyView(k: KeyRow): ApiKeyView {
  const { key_hash: _h, last_written: _w, ...v } = k;
  return v;
}

export function createAuthService(
  deps: { db: SecurityDb; audit: AuditLog; logger: Logger; now?: () => number },
  config: AuthConfig,
): AuthService {
  const { db, audit } = deps;
  const log = deps.logger.child({ component: 'auth' });
  const now = deps.now ?? Date.now;
  const users = new Map<string, UserRow>();
  const sessions = new Map<string, SessionRow>();
  const keys = new Map<string, KeyRow>();
  const staticKeys = new Map(config.staticIngestKeys.map((k, i) => [sha256(k), i]));

  const byName = (username: string) =>
    [...users.values()].find((u) => u.username.toLowerCase() === username.toLowerCase());
  const enabledAdmins = () => [...users.values()].filter((u) => u.role === 'admin' && !u.disabled);

  async function record(
    ctx: ActionContext,
    action: AuditAction,
    outcome: 'success' | 'failure',
    target: string | null,
    details: AuditDetails = {},
  ) {
    try {
      // The trail is kept for a year: a card number typed where a name was expected (a sign-in's
      // user name, a key's name) is masked here, for every action.
      await audit.append({
        ts: now(),
        action,
        outcome,
        ...actorOf(ctx.principal),
        ip: ctx.ip,
        target: target === null ? null : maskPans(target),
        details: Object.fromEntries(
          Object.entries(details).map(([k, v]) => [k, typeof v === 'string' ? maskPans(v) : v]),
        ),
      });
    } catch (err) {
      log.error({ err, action }, 'audit append failed');
    }
  }

  async function dropSessionsOf(userId: string) {
    for (const [h, s] of sessions) if (s.user_id === userId) sessions.delete(h);
    await db.run('DELETE FROM sessions WHERE user_id = $1', [userId]);
  }

  function checkPassword(password: string) {
    if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > 1024) {
      throw new BadRequestError(`password must be ${MIN_PASSWORD_LENGTH} to 1024 characters`, 'password');
    }
  }

  async function insertUser(
    username: string,
    password: string | null,
    role: Role,
    ssoSubject: string | null = null,
  ): Promise<UserRow> {
    const t = now();
    const u: UserRow = {
      id: randomUUID(),
      username,
      role,
      disabled: false,
      created_at: t,
      updated_at: t,
      last_login_at: null,
      password_hash: password === null ? NO_PASSWORD : await hashPassword(password),
      sso_subject: ssoSubject,
    };
    await db.run(
      'INSERT INTO users (id, username, role, password_hash, disabled, created_at, updated_at, last_login_at, sso_subject) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)',
      [u.id, u.username, u.role, u.password_hash, u.disabled, u.created_at, u.updated_at, u.sso_subject],
    );
    users.set(u.id, u);
    return u;
  }

  /** Opens a session for `u`, who has proven who they are; audits the sign-in. */
  async function openSession(u: UserRow, ip: string | null, details: AuditDetails) {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const t = now();
    const s: SessionRow = {
      token_hash: sha256(token),
      user_id: u.id,
      csrf,
      expires_at: t + config.sessionTtlMs,
    };
    await db.run('INSERT INTO sessions VALUES ($1, $2, $3, $4, $5)', [
      s.token_hash,
      s.user_id,
      s.csrf,
      t,
      s.expires_at,
    ]);
    await db.run('UPDATE users SET last_login_at = $1 WHERE id = $2', [t, u.id]);
    sessions.set(s.token_hash, s);
    u.last_login_at = t;
    const principal: Principal = {
      kind: 'user',
      id: u.id,
      name: u.username,
      role: u.role,
      sessionId: s.token_hash.slice(0, 12),
      csrf: '',
    };
    await record({ principal, ip }, 'auth.login', 'success', u.username, details);
    return { token, csrf, user: userView(u), expiresAt: s.expires_at };
  }

  const service: AuthService = {
    audit,

    async start() {
      for (const r of await db.all('SELECT * FROM users')) {
        users.set(String(r.id), {
          id: String(r.id),
          username: String(r.username),
          role: isRole(r.role) ? r.role : 'viewer',
          password_hash: String(r.password_hash),
          disabled: r.disabled === true,
          created_at: Number(r.created_at),
          updated_at: Number(r.updated_at),
          last_login_at: r.last_login_at === null ? null : Number(r.last_login_at),
          sso_subject: typeof r.sso_subject === 'string' ? r.sso_subject : null,
        });
      }
      await db.run('DELETE FROM sessions WHERE expires_at <= $1', [now()]);
      for (const r of await db.all('SELECT * FROM sessions')) {
        sessions.set(String(r.token_hash), {
          token_hash: String(r.token_hash),
          user_id: String(r.user_id),
          csrf: String(r.csrf),
          expires_at: Number(r.expires_at),
        });
      }
      for (const r of await db.all('SELECT * FROM api_keys')) {
        const k: KeyRow = {
          id: String(r.id),
          name: String(r.name),
          scopes: String(r.scopes).split(',').filter(isScope),
          key_hash: String(r.key_hash),
          prefix: String(r.prefix),
          created_by: r.created_by === null ? null : String(r.created_by),
          created_at: Number(r.created_at),
          revoked_at: r.revoked_at === null ? null : Number(r.revoked_at),
          last_used_at: r.last_used_at === null ? null : Number(r.last_used_at),
          last_written: 0,
        };
        keys.set(k.key_hash, k);
      }
      if (users.size > 0) return { generatedAdminPassword: null };
      const generated = config.adminPassword === null ? randomBytes(18).toString('base64url') : null;
      const u = await insertUser('admin', config.adminPassword ?? (generated as string), 'admin');
      await record(
        { principal: { kind: 'system', name: 'first-start' }, ip: null },
        'user.create',
        'success',
        u.username,
        { role: 'admin', first_start: true, password: generated ? 'generated' : 'env' },
      );
      log.info({ username: u.username }, 'first start: admin user created');
      return { generatedAdminPassword: generated };
    },

    async login(username, password, ip) {
      const u = typeof username === 'string' ? byName(username) : undefined;
      // Verify against a dummy hash for unknown users so timing does not reveal which names exist.
      const ok = await verifyPassword(
        u?.password_hash ?? (await dummyHash()),
        typeof password === 'string' ? password : '',
      );
      const anon = { principal: { kind: 'anonymous' } as Principal, ip };
      if (!u || !ok || u.disabled) {
        await record(
          anon,
          'auth.login',
          'failure',
          typeof username === 'string' ? cutText(username, 64) : null,
          { reason: !u ? 'unknown_user' : u.disabled ? 'disabled' : 'bad_password' },
        );
        throw new UnauthorizedError('wrong user name or password');
      }
      return openSession(u, ip, {});
    },

    async ssoLogin(input, ip) {
      let u = [...users.values()].find((x) => x.sso_subject === input.subject);
      if (u?.disabled) {
        await record({ principal: { kind: 'anonymous' }, ip }, 'auth.login', 'failure', u.username, {
          method: 'oidc',
          reason: 'disabled',
        });
        throw new UnauthorizedError('this user is disabled');
      }
      const system: ActionContext = { principal: { kind: 'system', name: 'oidc' }, ip };
      const groups = input.groups.join(',').slice(0, 200);
      if (!u) {
        let name = input.username.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 48) || 'sso';
        if (byName(name)) name = `${name}.${sha256(input.subject).slice(0, 6)}`;
        u = await insertUser(name, null, input.role, input.subject);
        await record(system, 'user.create', 'success', u.username, { role: u.role, via: 'oidc', groups });
      } else if (u.role !== input.role) {
        const before = u.role;
        u.role = input.role;
        u.updated_at = now();
        await db.run('UPDATE users SET role = $1, updated_at = $2 WHERE id = $3', [
          u.role,
          u.updated_at,
          u.id,
        ]);
        await dropSessionsOf(u.id);
        await record(system, 'user.update', 'success', u.username, {
          role: `${before}->${u.role}`,
          via: 'oidc',
        });
      }
      return openSession(u, ip, { method: 'oidc', groups });
    },

    async logout(ctx) {
      const p = ctx.principal;
      if (p.kind !== 'user') return;
      for (const [h, s] of sessions) {
        if (h.startsWith(p.sessionId) && s.user_id === p.id) {
          sessions.delete(h);
          await db.run('DELETE FROM sessions WHERE token_hash = $1', [h]);
        }
      }
      await record(ctx, 'auth.logout', 'success', p.name);
    },

    sessionPrincipal(token) {
      const h = sha256(token);
      const s = sessions.get(h);
      if (!s) return null;
      const u = users.get(s.user_id);
      if (s.expires_at <= now() || !u || u.disabled) {
        sessions.delete(h);
        void db
          .run('DELETE FROM sessions WHERE token_hash = $1', [h])
          .catch((err: unknown) => log.warn({ err }, 'session cleanup failed'));
        return null;
      }
      return {
        kind: 'user',
        id: u.id,
        name: u.username,
        role: u.role,
        sessionId: h.slice(0, 12),
        csrf: s.csrf,
      };
    },

    async keyPrincipal(token, ip) {
      const h = sha256(token);
      const staticIndex = staticKeys.get(h);
      if (staticIndex !== undefined)
        return {
          kind: 'key',
          id: `env:${staticIndex}`,
          name: `PAYWATCH_INGEST_KEYS[${staticIndex}]`,
          scopes: ['ingest'],
        };
      const k = keys.get(h);
      if (!k || k.revoked_at !== null) {
        // The hash prefix identifies repeated attempts with the same token without storing it.
        await record(
          { principal: { kind: 'anonymous' }, ip },
          'key.auth_failed',
          'failure',
          k ? k.id : null,
          { token_sha256_prefix: h.slice(0, 12), reason: k ? 'revoked' : 'unknown' },
        );
        return null;
      }
      const t = now();
      k.last_used_at = t;
      if (t - k.last_written >= LAST_USED_WRITE_MS) {
        k.last_written = t;
        void db
          .run('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [t, k.id])
          .catch((err: unknown) => log.warn({ err }, 'last_used_at update failed'));
      }
      return { kind: 'key', id: k.id, name: k.name, scopes: k.scopes };
    },

    listUsers: () => [...users.values()].map(userView).sort((a, b) => a.username.localeCompare(b.username)),

    getUser(id) {
      const u = users.get(id);
      if (!u) throw new NotFoundError('no such user');
      return userView(u);
    },

    async createUser(input, ctx) {
      if (typeof input.username !== 'string' || !USERNAME.test(input.username))
        throw new BadRequestError('username: 1 to 64 of A-Z a-z 0-9 . _ @ -', 'username');
      if (!isRole(input.role))
        throw new BadRequestError('role must be viewer, analyst, oncall or admin', 'role');
      checkPassword(input.password);
      if (byName(input.username)) throw new ConflictError('a user with this name exists');
      const u = await insertUser(input.username, input.password, input.role);
      await record(ctx, 'user.create', 'success', u.username, { role: u.role });
      return userView(u);
    },

    async updateUser(id, input, ctx) {
      const u = users.get(id);
      if (!u) throw new NotFoundError('no such user');
      if (input.role !== undefined && !isRole(input.role))
        throw new BadRequestError('role must be viewer, analyst, oncall or admin', 'role');
      if (input.disabled !== undefined && typeof input.disabled !== 'boolean')
        throw new BadRequestError('disabled must be a boolean', 'disabled');
      if (input.password !== undefined) checkPassword(input.password);
      const losesAdmin =
        u.role === 'admin' &&
        !u.disabled &&
        ((input.role !== undefined && input.role !== 'admin') || input.disabled === true);
      if (losesAdmin && enabledAdmins().length <= 1)
        throw new ConflictError('the last enabled admin cannot be demoted or disabled');
      const next: UserRow = {
        ...u,
        role: input.role ?? u.role,
        disabled: input.disabled ?? u.disabled,
        password_hash: input.password === undefined ? u.password_hash : await hashPassword(input.password),
        updated_at: now(),
      };
      await db.run(
        'UPDATE users SET role = $1, disabled = $2, password_hash = $3, updated_at = $4 WHERE id = $5',
        [next.role, next.disabled, next.password_hash, next.updated_at, id],
      );
      users.set(id, next);
      // Any change of rights or password ends the user's sessions.
      await dropSessionsOf(id);
      const details: AuditDetails = {};
      if (input.role !== undefined) details.role = `${u.role}->${next.role}`;
      if (input.disabled !== undefined) details.disabled = next.disabled;
      if (input.password !== undefined) details.password_changed = true;
      await record(ctx, 'user.update', 'success', u.username, details);
      return userView(next);
    },

    async deleteUser(id, ctx) {
      const u = users.get(id);
      if (!u) throw new NotFoundError('no such user');
      if (u.role === 'admin' && !u.disabled && enabledAdmins().length <= 1)
        throw new ConflictError('the last enabled admin cannot be deleted');
      await dropSessionsOf(id);
      await db.run('DELETE FROM users WHERE id = $1', [id]);
      users.delete(id);
      await record(ctx, 'user.delete', 'success', u.username, { role: u.role });
    },

    listKeys: () =>
      [...keys.values()].map(keyView).sort((a, b) => b.created_at - a.created_at || a.id.localeCompare(b.id)),

    async createKey(input, ctx) {
      if (typeof input.name !== 'string' || !KEY_NAME.test(input.name))
        throw new BadRequestError('name: 1 to 64 letters, digits, spaces or . : @ ( ) -', 'name');
      const scopes = Array.isArray(input.scopes) ? [...new Set(input.scopes)] : [];
      if (scopes.length === 0 || !scopes.every(isScope))
        throw new BadRequestError(`scopes: a non-empty list of ${SCOPES.join(', ')}`, 'scopes');
      const key = `pw_${randomBytes(30).toString('base64url')}`;
      const k: KeyRow = {
        id: randomUUID(),
        name: input.name,
        scopes,
        key_hash: sha256(key),
        prefix: key.slice(0, 10),
        created_by: actorOf(ctx.principal).actor ?? 'system',
        created_at: now(),
        revoked_at: null,
        last_used_at: null,
        last_written: 0,
      };
      await db.run('INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)', [
        k.id,
        k.name,
        k.scopes.join(','),
        k.key_hash,
        k.prefix,
        k.created_by,
        k.created_at,
      ]);
      keys.set(k.key_hash, k);
      await record(ctx, 'key.create', 'success', k.id, { name: k.name, scopes: k.scopes.join(',') });
      return { key, view: keyView(k) };
    },

    async revokeKey(id, ctx) {
      const k = [...keys.values()].find((x) => x.id === id);
      if (!k) throw new NotFoundError('no such API key');
      if (k.revoked_at === null) {
        k.revoked_at = now();
        await db.run('UPDATE api_keys SET revoked_at = $1 WHERE id = $2', [k.revoked_at, id]);
        await record(ctx, 'key.revoke', 'success', k.id, { name: k.name });
      }
      return keyView(k);
    },

    record,
  };
  return service;
}
