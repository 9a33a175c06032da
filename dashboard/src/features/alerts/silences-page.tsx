import { useState } from 'react';
import { navigate, useLocation } from '../../app/router.js';
import { useSession } from '../../app/session.js';
import { AlertEngineUnavailableError, alertsApi, matcherText, type Silence } from '../../api/index.js';
import { useI18n } from '../../i18n/index.js';
import { useSilences, type QueryState } from '../../queries/index.js';
import { sessionCan } from '../auth/permissions.js';
import { browserZone } from '../trends/trends-state.js';
import { EngineDown, QueryPending } from './alert-list.js';

/** Which silences the page lists: `current` (active and pending, the default), expired, or all. */
export const SILENCE_VIEWS = ['current', 'expired', 'all'] as const;
export type SilenceView = (typeof SILENCE_VIEWS)[number];

const ORDER: Record<Silence['state'], number> = { active: 0, pending: 1, expired: 2 };

/**
 * The order an on-call reads them in: active first (the soonest to end first), then pending (the
 * soonest to start first), then expired (the most recently ended first).
 */
export function silenceOrder(items: readonly Silence[]): Silence[] {
  return [...items].sort(
    (x, y) =>
      ORDER[x.state] - ORDER[y.state] ||
      (x.state === 'expired'
        ? y.ends_at - x.ends_at
        : x.state === 'pending'
          ? x.starts_at - y.starts_at
          : x.ends_at - y.ends_at),
  );
}

/** The silences page (`/silences`): the engine's silences with their state, and Expire. */
export function SilencesPage() {
  const { t } = useI18n();
  const loc = useLocation();
  const view = SILENCE_VIEWS.find((v) => v === loc.search.get('state')) ?? 'current';
  // A silence turns active or expired by the clock: the list is re-read every 30 s.
  const q = useSilences({ refetchMs: 30_000 });
  return (
    <section>
      <h1>{t('silences.title')}</h1>
      <p className="muted">{t('silences.help')}</p>
      <div className="controls">
        <div className="seg" role="group" aria-label={t('silences.state')}>
          {SILENCE_VIEWS.map((v) => (
            <button
              key={v}
              type="button"
              aria-pressed={view === v}
              onClick={() => navigate(v === 'current' ? '/silences' : `/silences?state=${v}`)}
            >
              {v === 'current'
                ? t('silences.current')
                : v === 'expired'
                  ? t('silences.state.expired')
                  : t('alerts.all')}
            </button>
          ))}
        </div>
      </div>
      <div className="panel">
        <SilenceList q={q} view={view} />
      </div>
    </section>
  );
}

/** The silences table, its empty and error states (exported for its tests). */
export function SilenceList({ q, view }: { q: QueryState<Silence[]>; view: SilenceView }) {
  const { t, fmt } = useI18n();
  const { session } = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (q.error instanceof AlertEngineUnavailableError) return <EngineDown />;
  if (!q.data) return <QueryPending error={q.error} />;
  // Expiring needs the on-call role (the collector answers 403 otherwise); an open collector allows it.
  const mayExpire = sessionCan(session, 'alerts.act');
  const count = (s: Silence['state']) => q.data?.filter((x) => x.state === s).length ?? 0;
  const shown = silenceOrder(
    q.data.filter((s) =>
      view === 'all' ? true : view === 'expired' ? s.state === 'expired' : s.state !== 'expired',
    ),
  );
  const expire = async (s: Silence) => {
    setBusy(s.id);
    setError(null);
    try {
      await alertsApi.expireSilence(s.id);
      q.refetch();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  const stateClass = (s: Silence) =>
    s.state === 'active' ? 'warn' : s.state === 'pending' ? undefined : 'muted';
  return (
    <>
      <p className="muted" data-testid="silence-counts">
        {t('silences.counts', {
          active: fmt.number(count('active')),
          pending: fmt.number(count('pending')),
          expired: fmt.number(count('expired')),
        })}
      </p>
      {error && (
        <p className="bad" role="alert">
          {t('alerts.actionFailed', { msg: error })}
        </p>
      )}
      {shown.length === 0 ? (
        <p className="muted" data-testid="silences-empty">
          {q.data.length === 0
            ? t('silences.empty')
            : view === 'expired'
              ? t('silences.emptyExpired')
              : t('silences.emptyCurrent')}
        </p>
      ) : (
        <div className="table-wrap">
          {/* The zone the times are in (notifications and the API speak UTC). */}
          <p className="muted" data-testid="silence-zone">
            {t('silences.zone', { zone: browserZone() })}
          </p>
          <table data-testid="silences">
            <thead>
              <tr>
                <th scope="col">{t('silences.state')}</th>
                <th scope="col">{t('silences.matchers')}</th>
                <th scope="col">{t('silences.author')}</th>
                <th scope="col">{t('silences.reason')}</th>
                <th scope="col">{t('silences.starts')}</th>
                <th scope="col">{t('silences.ends')}</th>
                {mayExpire && <th scope="col" />}
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <tr key={s.id} data-silence={s.id}>
                  <td className={stateClass(s)} data-value={s.state}>
                    {t(`silences.state.${s.state}`)}
                  </td>
                  <td className="mono alert-labels">
                    {s.matchers.map((m) => (
                      <div key={`${m.name}${m.op}${m.value}`}>{matcherText(m)}</div>
                    ))}
                  </td>
                  <td className="silence-text">{s.created_by}</td>
                  <td className="silence-text">{s.comment}</td>
                  <td>{fmt.dateTime(s.starts_at)}</td>
                  <td>{fmt.dateTime(s.ends_at)}</td>
                  {mayExpire && (
                    <td>
                      {s.state !== 'expired' && (
                        <button
                          type="button"
                          disabled={busy !== null}
                          aria-label={t('silences.expireLabel', { by: s.created_by, reason: s.comment })}
                          onClick={() => void expire(s)}
                        >
                          {t('silences.expire')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
