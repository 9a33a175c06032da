import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { ErrorBoundary } from '../components/index.js';
import { can, capabilityOfPath, ROLES, type Role } from '../features/auth/permissions.js';
import { LANGS, useI18n, type Lang, type MessageKey } from '../i18n/index.js';
import { Link, matchPath, navigate, useLocation } from './router.js';
import { SignIn, useSession } from './session.js';
import { useTheme } from './theme.js';

// Each page is its own chunk: the live screen never downloads recharts, the explorer does.
const load = {
  live: () => import('../features/live/live-page.js'),
  trends: () => import('../features/trends/trends-page.js'),
  transactions: () => import('../features/transactions/transactions-page.js'),
  payment: () => import('../features/transactions/payment-page.js'),
  funnel: () => import('../features/funnel/funnel-page.js'),
  alerts: () => import('../features/alerts/alerts-page.js'),
  alert: () => import('../features/alerts/alert-detail-page.js'),
  silences: () => import('../features/alerts/silences-page.js'),
};
const LivePage = lazy(() => load.live().then((m) => ({ default: m.LivePage })));
const TrendsPage = lazy(() => load.trends().then((m) => ({ default: m.TrendsPage })));
const TransactionsPage = lazy(() => load.transactions().then((m) => ({ default: m.TransactionsPage })));
const PaymentPage = lazy(() => load.payment().then((m) => ({ default: m.PaymentPage })));
const FunnelPage = lazy(() => load.funnel().then((m) => ({ default: m.FunnelPage })));
const AlertsPage = lazy(() => load.alerts().then((m) => ({ default: m.AlertsPage })));
const AlertDetailPage = lazy(() => load.alert().then((m) => ({ default: m.AlertDetailPage })));
const SilencesPage = lazy(() => load.silences().then((m) => ({ default: m.SilencesPage })));

/**
 * Starts downloading the opening page's chunk at once, in parallel with the session check,
 * instead of after it (module imports are cached: `lazy` reuses the same promise).
 */
export function preloadPage(path: string): void {
  const key = path.startsWith('/trends')
    ? 'trends'
    : path.startsWith('/transactions')
      ? 'transactions'
      : path.startsWith('/payments')
        ? 'payment'
        : path.startsWith('/funnel')
          ? 'funnel'
          : path.startsWith('/alerts/')
            ? 'alert'
            : path.startsWith('/alerts')
              ? 'alerts'
              : path.startsWith('/silences')
                ? 'silences'
                : 'live';
  void load[key]().catch(() => undefined); // a failure surfaces when the page renders
}

interface Route {
  pattern: string;
  nav?: MessageKey;
  page: ComponentType<{ params: Record<string, string> }>;
}

const ROUTES: Route[] = [
  { pattern: '/live', nav: 'nav.live', page: LivePage },
  { pattern: '/trends', nav: 'nav.trends', page: TrendsPage },
  { pattern: '/transactions', nav: 'nav.transactions', page: TransactionsPage },
  { pattern: '/payments/:id', page: PaymentPage },
  { pattern: '/funnel', nav: 'nav.funnel', page: FunnelPage },
  { pattern: '/alerts', nav: 'nav.alerts', page: AlertsPage },
  { pattern: '/alerts/:id', page: AlertDetailPage },
  { pattern: '/silences', nav: 'nav.silences', page: SilencesPage },
];

const LANG_LABELS: Record<Lang, string> = { en: 'English', 'zh-CN': '简体中文' };

function resolve(path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params) return { route, params };
  }
  return null;
}

/** The shell: navigation, language and theme switches, and the current page. */
export function App() {
  const { t, lang, setLang } = useI18n();
  const { session, signOut } = useSession();
  const loc = useLocation();
  const wallboard = loc.path === '/live' && loc.search.get('wallboard') === '1';
  const [theme, setTheme] = useTheme(wallboard ? 'dark' : undefined);
  const hit = resolve(loc.path);
  // Hide what the role may not see (the collector refuses it anyway): features/auth/permissions.ts.
  const caller = session.kind === 'signed-in' ? session.me : 'open';
  const allowed = can(caller, capabilityOfPath(loc.path));

  useEffect(() => {
    if (!hit || !allowed) navigate('/live', { replace: true });
  }, [hit, allowed]);
  useEffect(() => {
    document.body.classList.toggle('wallboard', wallboard);
  }, [wallboard]);

  const Page = hit?.route.page;
  const section =
    hit?.route.nav ??
    (loc.path.startsWith('/payments')
      ? 'nav.transactions'
      : loc.path.startsWith('/alerts')
        ? 'nav.alerts'
        : undefined);
  useEffect(() => {
    document.title = section ? `${t(section)} · paywatch` : 'paywatch';
  }, [section, t]);

  return (
    <>
      {!wallboard && (
        <header className="topbar">
          <a className="skip" href="#content">
            {t('app.skip')}
          </a>
          <Link className="brand" to="/live">
            {t('app.title')}
          </Link>
          <nav className="nav" aria-label={t('nav.main')}>
            {ROUTES.filter((r) => r.nav && can(caller, capabilityOfPath(r.pattern))).map((r) => (
              <Link key={r.pattern} to={r.pattern} aria-current={section === r.nav ? 'page' : undefined}>
                {t(r.nav as MessageKey)}
              </Link>
            ))}
          </nav>
          <span className="spacer" />
          <label>
            {t('app.language')}
            <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="lang-select">
              {LANGS.map((l) => (
                <option key={l} value={l}>
                  {LANG_LABELS[l]}
                </option>
              ))}
            </select>
          </label>
          {session.kind === 'signed-in' && (
            <span className="user" data-testid="user">
              {session.me.name}
              {session.me.role
                ? ` (${(ROLES as readonly string[]).includes(session.me.role) ? t(`role.${session.me.role as Role}`) : session.me.role})`
                : ''}{' '}
              <button type="button" onClick={() => void signOut()}>
                {t('auth.signOut')}
              </button>
            </span>
          )}
          <button
            type="button"
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
            aria-label={`${t('app.theme')}: ${t(theme === 'dark' ? 'app.theme.dark' : 'app.theme.light')}`}
          >
            {theme === 'dark' ? '☾' : '☀'} {t(theme === 'dark' ? 'app.theme.dark' : 'app.theme.light')}
          </button>
        </header>
      )}
      <main id="content" tabIndex={-1}>
        <ErrorBoundary
          resetKey={loc.path}
          fallback={(e) => (
            <div className="error-box" role="alert">
              {t('common.error', { msg: e.message })}{' '}
              {/* After an upgrade the old page's chunks are gone: a reload fetches the new ones. */}
              <button type="button" onClick={() => location.reload()}>
                {t('common.reload')}
              </button>
            </div>
          )}
        >
          {session.kind === 'checking' ? (
            <p className="muted">{t('auth.checking')}</p>
          ) : session.kind === 'anonymous' ? (
            <SignIn />
          ) : (
            <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>
              {Page && hit && allowed && <Page params={hit.params} />}
            </Suspense>
          )}
        </ErrorBoundary>
      </main>
    </>
  );
}
