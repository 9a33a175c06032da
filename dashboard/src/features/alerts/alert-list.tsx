import { useState } from 'react';
import { Link } from '../../app/router.js';
import { AlertEngineUnavailableError, type Alert } from '../../api/index.js';
import { ALERT_SEVERITIES, useI18n, type Lang } from '../../i18n/index.js';
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

/** Shown while a query has no data yet: its error, else "loading" (the alert lists and pages). */
export function QueryPending({ error }: { error: Error | undefined }) {
  const { t } = useI18n();
  if (error) {
    return (
      <div className="error-box" role="alert">
        {t('common.error', { msg: error.message })}
      </div>
    );
  }
  return <p className="muted">{t('common.loading')}</p>;
}

/**
 * " (recovering: normal after 17:56)" beside a firing alert's state when its latest judged
 * evaluation is normal again (`Alert.recovering`); nothing otherwise. The lists and the alert page.
 */
export function RecoveringNote({ alert }: { alert: Pick<Alert, 'recovering'> }) {
  const { t, fmt } = useI18n();
  const at = alert.recovering;
  if (at === null) return null;
  return (
    <span className="muted" title={fmt.dateTime(at)}>
      {' '}
      ({t('alerts.recovering', { at: fmt.axis(at, Date.now() - at) })})
    </span>
  );
}

const rank = (severity: string) => {
  const i = (ALERT_SEVERITIES as readonly string[]).indexOf(severity);
  return i < 0 ? ALERT_SEVERITIES.length : i;
};

/**
 * The live screen's order, what needs someone first: firing before pending, then alerts nobody
 * has muted (not inhibited, not silenced) and nobody has acknowledged, then those not
 * recovering (normal again, held by `keep_firing_for`), then by severity
 * (`ALERT_SEVERITIES`: critical, page, warning, ticket, info, others), the newest first. In an
 * outage the engine's newest-first list put the provider's page below a screenful of the slice
 * alerts it inhibits.
 */
export function urgentFirst(items: readonly Alert[]): Alert[] {
  const key = (a: Alert) => [
    a.state === 'firing' ? 0 : 1,
    a.inhibitedBy || a.silenced ? 1 : 0,
    a.acknowledged ? 1 : 0,
    a.recovering !== null ? 1 : 0,
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
function alertName(a: Pick<Alert, 'rule' | 'labels'> | undefined, lang: Lang): string | undefined {
  if (!a) return undefined;
  const labels = labelsText(a.labels, lang, ['alertname']);
  return labels ? `${a.rule} (${labels})` : a.rule;
}

/**
 * The live screen's rows in order: `urgentFirst`, except that alerts inhibited by another alert
 * of the list (a provider outage's slice alerts: 15 of 17 in a demo outage) follow their
 * inhibitor as one collapsed line, so the next outage's page stays in view.
 */
export function liveRows(items: readonly Alert[]): { alert: Alert; inhibits: Alert[] }[] {
  const ordered = urgentFirst(items);
  const present = new Set(items.map((a) => a.id));
  const kids = new Map<string, Alert[]>();
  for (const a of ordered)
    if (a.inhibitedBy && a.inhibitedBy !== a.id && present.has(a.inhibitedBy))
      kids.set(a.inhibitedBy, [...(kids.get(a.inhibitedBy) ?? []), a]);
  // Only groups of two or more collapse (one inhibited alert is shown as itself); an inhibited
  // alert that heads a group of its own stays in view, with its group under it.
  const heads = new Set([...kids].filter(([, k]) => k.length > 1).map(([id]) => id));
  const collapsed = (a: Alert) => !!a.inhibitedBy && heads.has(a.inhibitedBy) && !heads.has(a.id);
  return ordered
    .filter((a) => !collapsed(a))
    .map((a) => ({ alert: a, inhibits: heads.has(a.id) ? (kids.get(a.id) ?? []).filter(collapsed) : [] }));
}

/**
 * Alert table with actions; handles the engine-not-running and error states. `compact` (the live
 * screen) puts the most urgent first (`liveRows`: alerts another alert of the list inhibits
 * collapse under it) and gives each alert two lines (rule and labels, summary; state · severity
 * · since, revenue, actions) so it fits a narrow panel; `wallboard` leaves out the actions (a
 * screen on the wall is not clicked) so more alerts fit.
 */
export function AlertList({
  q,
  compact = false,
  wallboard = false,
}: {
  /** `more`: the items are only the newest page of the alerts that match (said above the list). */
  q: QueryState<{ items: Alert[]; more?: boolean }>;
  compact?: boolean;
  wallboard?: boolean;
}) {
  const { t, label, fmt, lang } = useI18n();
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  if (q.error instanceof AlertEngineUnavailableError) return <EngineDown />;
  if (!q.data) return <QueryPending error={q.error} />;
  const byId = new Map(q.data.items.map((a) => [a.id, a]));
  if (q.data.items.length === 0)
    return <p className="muted">{compact ? t('live.noAlerts') : t('alerts.empty')}</p>;
  const stateClass = (a: Alert) => (a.state === 'firing' ? 'bad' : a.state === 'pending' ? 'warn' : 'ok');
  const inhibited = (a: Alert) =>
    a.inhibitedBy && (
      <div className="muted alert-note">
        <Link to={`/alerts/${encodeURIComponent(a.inhibitedBy)}`}>
          {t('alerts.inhibited', { id: alertName(byId.get(a.inhibitedBy), lang) ?? a.inhibitedBy })}
        </Link>
      </div>
    );
  const revenue = (a: Alert) =>
    a.revenue_at_risk != null ? fmt.money(a.revenue_at_risk, a.reporting_currency ?? 'USD') : '–';
  // Only the newest page of what matches (GET /alerts answers 500 at a time): said, never cut silently.
  const more = q.data.more && (
    <p role="status" className="muted">
      {t('alerts.more', { n: fmt.number(q.data.items.length) })}
    </p>
  );
  if (compact) {
    // Two lines per alert (one <tbody> each): what and where (rule, labels) with the summary and
    // any "inhibited by" note across the panel, then state · severity · since, revenue at risk
    // and the actions. The panel beside the feed is ~480 px wide on a 1280 px laptop: six
    // columns scrolled time, revenue and the acknowledge/silence buttons out of view. The
    // summary alone ("success_rate 16.1% over 385 attempts …") did not say which provider.
    const now = Date.now();
    const cols = wallboard ? 2 : 3;
    const rows = (a: Alert) => (
      <tbody key={a.id}>
        <tr>
          <td colSpan={cols} className="alert-summary">
            <div className="mono alert-where">{alertName(a, lang)}</div>
            <Link to={`/alerts/${encodeURIComponent(a.id)}`} aria-label={t('alerts.open', { name: a.rule })}>
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
            <RecoveringNote alert={a} />
            {' · '}
            <span data-value={a.severity}>{label('alert_severity', a.severity)}</span>
            {' · '}
            <span title={fmt.dateTime(a.started_at)}>
              {t('alerts.sinceAt', { at: fmt.axis(a.started_at, now - a.started_at) })}
            </span>
          </td>
          <td className="num">{revenue(a)}</td>
          {!wallboard && (
            <td className="alert-actions">
              <AlertActions alert={a} onChanged={q.refetch} />
            </td>
          )}
        </tr>
      </tbody>
    );
    return (
      <div className="table-wrap">
        {more}
        <table className="alert-compact">
          <thead>
            <tr>
              <th scope="col">{t('alerts.rule')}</th>
              <th scope="col" className="num">
                {t('alerts.revenueAtRisk')}
              </th>
              {!wallboard && <th scope="col" />}
            </tr>
          </thead>
          {liveRows(q.data.items).map(({ alert: a, inhibits }) => {
            const shown = open.has(a.id);
            const toggle = () =>
              setOpen((prev) => {
                const next = new Set(prev);
                if (!next.delete(a.id)) next.add(a.id);
                return next;
              });
            return [
              rows(a),
              inhibits.length > 0 && (
                <tbody key={`${a.id}:inhibits`}>
                  <tr>
                    <td colSpan={cols} className="alert-inhibits muted">
                      {wallboard ? (
                        t('alerts.inhibitsN', { n: fmt.number(inhibits.length) })
                      ) : (
                        <button type="button" className="link" aria-expanded={shown} onClick={toggle}>
                          {shown ? '▾ ' : '▸ '}
                          {t('alerts.inhibitsN', { n: fmt.number(inhibits.length) })}
                        </button>
                      )}
                    </td>
                  </tr>
                </tbody>
              ),
              ...(shown && !wallboard ? inhibits.map(rows) : []),
            ];
          })}
        </table>
      </div>
    );
  }
  return (
    <div className="table-wrap">
      {more}
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
                <RecoveringNote alert={a} />
                {inhibited(a)}
              </td>
              <td data-value={a.severity}>{label('alert_severity', a.severity)}</td>
              <td className="mono alert-labels">{labelsText(a.labels, lang)}</td>
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
