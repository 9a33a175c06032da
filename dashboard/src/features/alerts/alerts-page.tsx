import { navigate, useLocation } from '../../app/router.js';
import { useI18n } from '../../i18n/index.js';
import { useAlerts } from '../../queries/index.js';
import { AlertList } from './alert-list.js';

const STATES = ['firing', 'pending', 'resolved'] as const;

/** Alert list with state/severity filters kept in the URL. */
export function AlertsPage() {
  const { t } = useI18n();
  const loc = useLocation();
  const state = loc.search.get('state')?.split(',').filter(Boolean) ?? [];
  const severity = loc.search.get('severity')?.split(',').filter(Boolean) ?? [];
  const q = useAlerts({ state, severity }, { refetchMs: 15_000 });
  const setParam = (k: string, v: string) => {
    const s = new URLSearchParams(loc.search);
    if (v) s.set(k, v);
    else s.delete(k);
    navigate(`/alerts${s.size ? `?${s}` : ''}`);
  };
  return (
    <section>
      <h1>{t('alerts.title')}</h1>
      <div className="controls">
        <div className="seg" role="group" aria-label={t('alerts.state')}>
          <button type="button" aria-pressed={state.length === 0} onClick={() => setParam('state', '')}>
            {t('alerts.all')}
          </button>
          {STATES.map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={state.length === 1 && state[0] === s}
              onClick={() => setParam('state', s)}
            >
              {t(`state.${s}`)}
            </button>
          ))}
        </div>
        <label className="field">
          {t('alerts.severity')}
          <input
            type="search"
            defaultValue={severity.join(',')}
            onBlur={(e) => setParam('severity', e.target.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && setParam('severity', e.currentTarget.value.trim())}
          />
        </label>
      </div>
      <div className="panel">
        <AlertList q={q} />
      </div>
    </section>
  );
}
