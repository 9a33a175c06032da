import { Link } from '../../app/router.js';
import { AlertEngineUnavailableError, type Alert } from '../../api/index.js';
import { ALERT_SEVERITIES, useI18n } from '../../i18n/index.js';
import type { QueryState } from '../../queries/index.js';
import { AlertActions } from './alert-actions.js';
import { alertSummary, labelsText } from './alert-text.js';

/** Shown instead of alerts when the collector runs without the alert engine (no fake data). */
export function EngineDown() {
  const { t } = useI18n();
  return (
    <div className="notice" role="status" data-testid="alerts-engine-down">
      <strong>{t('alerts.engineDown')}</strong>
      <p className="muted" style={{ margin: '0.25rem 0 0' }}>
        {t('alerts.engineDownHelp')}
      </p>
    </div>
  );
}

const rank = (severity: string) => {
  const i = (ALERT_SEVERITIES as readonly string[]).indexOf(severity);
  return i < 0 ? ALERT_SEVERITIES.length : i;
};

/**
 * The live screen's order, what needs someone first: firing before pending, then alerts nobody
 * has muted (not inhibited, not silenced) and nobody has acknowledged, then by severity
 * (`ALERT_SEVERITIES`: critical, page, warning, ticket, info, others), the newest first. In an
 * outage the engine's newest-first list put the provider's page below a screenful of the slice
 * alerts it inhibits.
 */
export function urgentFirst(items: readonly Alert[]): Alert[] {
  const key = (a: Alert) => [
    a.state === 'firing' ? 0 : 1,
    a.inhibitedBy || a.silenced ? 1 : 0,
    a.acknowledged ? 1 : 0,
    rank(a.severity),
    -a.started_at,
  ];
  return [...items].sort((x, y) => {
    const kx = key(x);
    const ky = key(y);
    for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i]) return (kx[i] ?? 0) - (ky[i] ?? 0);
    return 0;
  });
}

/**
 * How an alert is named where another one points at it (the "inhibited by" note): its rule and
 * labels, `provider_success_rate_drop (provider=adyen)` — not its opaque id.
 */
function alertName(a: Pick<Alert, 'rule' | 'labels'> | undefined): string | undefined {
  if (!a) return undefined;
  const labels = labelsText(a.labels, ['alertname']);
  return labels ? `${a.rule} (${labels})` : a.rule;
}

/**
 * Alert table with actions; handles the engine-not-running and error states. `compact` (the live
 * screen) leaves out the labels, puts the most urgent first (`urgentFirst`) and gives each alert
 * two lines (summary; state · severity · since, revenue, actions) so it fits a narrow panel.
 */
export function AlertList({ q, compact = false }: { q: QueryState<{ items: Alert[] }>; compact?: boolean }) {
  const { t, label, fmt, lang } = useI18n();
  if (q.error instanceof AlertEngineUnavailableError) return <EngineDown />;
  if (q.error && !q.data) {
    return (
      <div className="error-box" role="alert">
        {t('common.error', { msg: q.error.message })}
      </div>
    );
  }
  if (!q.data) return <p className="muted">{t('common.loading')}</p>;
  const byId = new Map(q.data.items.map((a) => [a.id, a]));
  if (q.data.items.length === 0)
    return <p className="muted">{compact ? t('live.noAlerts') : t('alerts.empty')}</p>;
  const stateClass = (a: Alert) => (a.state === 'firing' ? 'bad' : a.state === 'pending' ? 'warn' : 'ok');
  const inhibited = (a: Alert) =>
    a.inhibitedBy && (
      <div className="muted alert-note">
        <Link to={`/alerts/${encodeURIComponent(a.inhibitedBy)}`}>
          {t('alerts.inhibited', { id: alertName(byId.get(a.inhibitedBy)) ?? a.inhibitedBy })}
        </Link>
      </div>
    );
  const revenue = (a: Alert) =>
    a.revenue_at_risk != null ? fmt.money(a.revenue_at_risk, a.reporting_currency ?? 'USD') : '–';
  if (compact) {
    // Two lines per alert (one <tbody> each): the summary and any "inhibited by" note across the
    // panel, then state · severity · since, revenue at risk and the actions. The panel beside the
    // feed is ~480 px wide on a 1280 px laptop: six columns scrolled time, revenue and the
    // acknowledge/silence buttons out of view.
    return (
      <div className="table-wrap">
        <table className="alert-compact">
          <thead>
            <tr>
              <th scope="col">{t('alerts.rule')}</th>
              <th scope="col" className="num">
                {t('alerts.revenueAtRisk')}
              </th>
              <th scope="col" />
            </tr>
          </thead>
          {urgentFirst(q.data.items).map((a) => (
            <tbody key={a.id}>
              <tr>
                <td colSpan={3} className="alert-summary">
                  <Link
                    to={`/alerts/${encodeURIComponent(a.id)}`}
                    aria-label={t('alerts.open', { name: a.rule })}
                  >
                    {alertSummary(a, lang)}
                  </Link>
                  {inhibited(a)}
                </td>
              </tr>
              <tr>
                <td className="alert-meta">
                  <span className={stateClass(a)}>
                    {label('alert_state', a.state)}
                    {a.flapping ? ' ⇅' : ''}
                  </span>
                  {' · '}
                  <span data-value={a.severity}>{label('alert_severity', a.severity)}</span>
                  {' · '}
                  <span title={t('alerts.since')}>{fmt.dateTime(a.started_at)}</span>
                </td>
                <td className="num">{revenue(a)}</td>
                <td className="alert-actions">
                  <AlertActions alert={a} onChanged={q.refetch} />
                </td>
              </tr>
            </tbody>
          ))}
        </table>
      </div>
    );
  }
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('alerts.rule')}</th>
            <th scope="col">{t('alerts.state')}</th>
            <th scope="col">{t('alerts.severity')}</th>
            <th scope="col">{t('alerts.labels')}</th>
            <th scope="col">{t('alerts.since')}</th>
            <th scope="col" className="num">
              {t('alerts.revenueAtRisk')}
            </th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {q.data.items.map((a) => (
            <tr key={a.id}>
              <td className="alert-summary">
                <Link
                  to={`/alerts/${encodeURIComponent(a.id)}`}
                  aria-label={t('alerts.open', { name: a.rule })}
                >
                  {alertSummary(a, lang)}
                </Link>
              </td>
              <td className={stateClass(a)}>
                {label('alert_state', a.state)}
                {a.flapping ? ' ⇅' : ''}
                {inhibited(a)}
              </td>
              <td data-value={a.severity}>{label('alert_severity', a.severity)}</td>
              <td className="mono alert-labels">{labelsText(a.labels)}</td>
              <td>{fmt.dateTime(a.started_at)}</td>
              <td className="num">{revenue(a)}</td>
              <td>
                <AlertActions alert={a} onChanged={q.refetch} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
