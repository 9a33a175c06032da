import { navigate, useLocation } from '../../app/router.js';
import { ALERT_SEVERITIES, useI18n } from '../../i18n/index.js';
import { alertPollMs, useAlertStream, useRefetchOn } from '../../live/index.js';
import { useAlerts } from '../../queries/index.js';
import { AlertList } from './alert-list.js';

const STATES = ['firing', 'pending', 'resolved'] as const;

/** Alert list with state/severity filters kept in the URL. */
export function AlertsPage() {
  const { t, label } = useI18n();
  const loc = useLocation();
  const status = STATES.find((s) => s === loc.search.get('status'));
  const severity = loc.search.get('severity')?.trim() || undefined;
  // Re-read when the live socket says an alert changed state; a slow poll besides (every 15 s
  // while the socket is down). Until 27 Nov: every 15 s, so a page showed up to 15 s late.
  const stream = useAlertStream();
  const q = useAlerts(
    { ...(status ? { status } : {}), ...(severity ? { severity } : {}) },
    { refetchMs: alertPollMs(stream.state) },
  );
  useRefetchOn(stream.version, q.refetch);
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
          <button type="button" aria-pressed={!status} onClick={() => setParam('status', '')}>
            {t('alerts.all')}
          </button>
          {STATES.map((s) => (
            <button key={s} type="button" aria-pressed={status === s} onClick={() => setParam('status', s)}>
              {label('alert_state', s)}
            </button>
          ))}
        </div>
        <label className="field">
          {t('alerts.severity')}
          {/* A select of the severities the shipped rules use (labels in the UI language, canonical
              ids in the URL and the API call); a rule may name another one, so a severity from a
              shared URL that is not in the list stays selectable, shown as is. */}
          <select value={severity ?? ''} onChange={(e) => setParam('severity', e.target.value)}>
            <option value="">{t('alerts.all')}</option>
            {ALERT_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {label('alert_severity', s)}
              </option>
            ))}
            {severity && !(ALERT_SEVERITIES as readonly string[]).includes(severity) && (
              <option value={severity}>{severity}</option>
            )}
          </select>
        </label>
      </div>
      <div className="panel">
        <AlertList q={q} />
      </div>
    </section>
  );
}
