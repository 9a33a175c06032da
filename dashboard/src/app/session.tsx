import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type FormEvent,
  type ReactNode,
} from 'react';
import { ApiError, onUnauthorized, sessionApi, type Me } from '../api/index.js';
import { SsoButton } from '../features/auth/sso-button.js';
import { useI18n } from '../i18n/index.js';

/**
 * Who is using the dashboard. `open`: the collector has no access control (no `/api/auth`);
 * `anonymous`: it has, and nobody is signed in (or the session expired).
 */
export type Session =
  { kind: 'checking' } | { kind: 'open' } | { kind: 'anonymous' } | { kind: 'signed-in'; me: Me };

interface SessionApi {
  session: Session;
  signIn(me: Me): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

/** `initial` skips asking the collector (component tests, or a known session). */
export function SessionProvider({ children, initial }: { children: ReactNode; initial?: Session }) {
  const [session, setSession] = useState<Session>(initial ?? { kind: 'checking' });
  useEffect(() => {
    if (initial) return;
    const ctrl = new AbortController();
    sessionApi.me(ctrl.signal).then(
      (me) => setSession(me ? { kind: 'signed-in', me } : { kind: 'anonymous' }),
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        if (e instanceof ApiError && e.status === 401) setSession({ kind: 'anonymous' });
        else setSession({ kind: 'open' }); // 404: a collector without access control
      },
    );
    return () => ctrl.abort();
  }, []);
  useEffect(
    () => onUnauthorized(() => setSession((s) => (s.kind === 'open' ? s : { kind: 'anonymous' }))),
    [],
  );
  const signIn = useCallback((me: Me) => setSession({ kind: 'signed-in', me }), []);
  const signOut = useCallback(async () => {
    try {
      await sessionApi.logout();
    } finally {
      setSession({ kind: 'anonymous' });
    }
  }, []);
  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession() outside <SessionProvider>');
  return v;
}

/** The sign-in form shown while the collector requires a session and there is none. */
export function SignIn() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      signIn(await sessionApi.login(username, password));
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? t('auth.wrong')
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel signin">
      <h1>{t('auth.title')}</h1>
      <p className="muted">{t('auth.help')}</p>
      <form onSubmit={submit} className="grid">
        <label className="field">
          {t('auth.username')}
          <input
            type="text"
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoFocus
          />
        </label>
        <label className="field">
          {t('auth.password')}
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="bad" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t('auth.signIn')}
        </button>
        <SsoButton />
      </form>
    </section>
  );
}
