import { contributorKind } from '@paywatch/contracts';
import { lazy, Suspense } from 'react';
import { Link } from '../../app/router.js';
import { useI18n } from '../../i18n/index.js';
import { alertPollMs, useAlertStream, useRefetchOn } from '../../live/index.js';
import { useAlert, useAlertDeliveries, useQuery } from '../../queries/index.js';
import { ApiError, readApi, type AlertDetail } from '../../api/index.js';
import { autoBucket } from '../trends/trends-state.js';
import { bandPoints, bandText, observedQueryFor, valueKind } from './alert-series.js';
import { AlertSamples } from './alert-samples.js';
import { AlertActions } from './alert-actions.js';
import { alertSummary } from './alert-text.js';
import { contributorText, shownLabels } from './alert-labels.js';
import { EngineDown, QueryPending, RecoveringNote } from './alert-list.js';
import { DeliveryTable } from './delivery-table.js';

const BandChart = lazy(() => import('../../charts/band-chart.js').then((m) => ({ default: m.BandChart })));

/** One alert: observed vs expected band, revenue at risk, contributing dimensions, samples, deliveries. */
export function AlertDetailPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? '';
  // Re-read when this alert changes state or is acknowledged (and after a reconnect), and on the
  // lists' slow poll: a silence made or expired, a standalone engine, send nothing on the socket.
  const stream = useAlertStream((t) => t.id === id);
  const q = useAlert(id, { refetchMs: alertPollMs(stream.state) });
  useRefetchOn(stream.version, q.refetch);
  if (q.error instanceof ApiError && q.error.status === 404 && !q.data) return <EngineDown />;
  if (!q.data) return <QueryPending error={q.error} />;
  return <AlertDetailView a={q.data} onChanged={q.refetch} />;
}

/** The alert page itself, for a loaded alert (exported for its tests). */
export function AlertDetailView({ a, onChanged }: { a: AlertDetail; onChanged(): void }) {
  const { t, label, fmt, lang } = useI18n();
  const kind = valueKind(a);
  const fmtV = (v: number) =>
    kind === 'percent' ? fmt.percent(v, 1) : kind === 'ms' ? fmt.ms(v) : fmt.number(v, 2);
  const band = bandText(a.expected.low, a.expected.high, fmtV);
  // The engine sends no series: the observed side comes from the read API for the alert's slice,
  // from an hour before the episode to its end.
  const observed = a.series.length === 0 ? observedQueryFor(a) : null;
  const from = a.started_at - 3_600_000;
  const to = (a.resolved_at ?? Date.now()) + 60_000;
  const sq = useQuery(`alert-series/${a.id}/${a.started_at}/${a.resolved_at ?? ''}`, async (signal) =>
    observed
      ? bandPoints(
          await readApi.timeseries(
            { from, to, filters: observed.filters, bucket: autoBucket(to - from) },
            signal,
          ),
          observed.metric,
          a,
          observed.band,
        )
      : a.series,
  );
  const points = sq.data ?? a.series;
  const dq = useAlertDeliveries(a.id, { enabled: a.deliveries.length === 0 });
  const deliveries = a.deliveries.length > 0 ? a.deliveries : (dq.data ?? []);
  const fmtPoint =
    observed?.metric === 'latency_p95'
      ? (v: number) => fmt.ms(v)
      : observed?.metric === 'attempts'
        ? (v: number) => fmt.number(v)
        : fmtV;
  return (
    <section className="grid">
      <p>
        <Link to="/alerts">← {t('alerts.title')}</Link>
      </p>
      <h1>{alertSummary(a, lang)}</h1>
      <div className="panel">
        <dl className="kv">
          <dt>{t('alerts.state')}</dt>
          <dd className={a.state === 'firing' ? 'bad' : undefined}>
            {label('alert_state', a.state)}
            <RecoveringNote alert={a} />
          </dd>
          <dt>{t('alerts.severity')}</dt>
          <dd>{label('alert_severity', a.severity)}</dd>
          <dt>{t('alerts.since')}</dt>
          <dd>{fmt.dateTime(a.started_at)}</dd>
          <dt>{t('alerts.labels')}</dt>
          <dd className="alert-label-list">
            {/* Names and values in words ("BIN: small ones pooled"); the engine's name=value,
                which silences and URLs match on, in the tooltip. */}
            {shownLabels(lang, a.labels).map((l, i) => (
              <span key={l.raw} title={l.pooled ? `${l.raw}: ${t('alerts.pooledHelp')}` : l.raw}>
                {i > 0 && ' · '}
                {l.name}: <span className={l.pooled ? 'muted' : 'mono'}>{l.value}</span>
              </span>
            ))}
          </dd>
          <dt>{t('alerts.observed')}</dt>
          <dd>{a.value != null ? fmtV(a.value) : '–'}</dd>
          <dt>{t('alerts.expected')}</dt>
          <dd>
            {a.expected.value != null ? fmtV(a.expected.value) : '–'}
            {band !== null && <span className="muted"> ({band})</span>}
          </dd>
          <dt>{t('alerts.revenueAtRisk')}</dt>
          <dd>
            {a.revenue_at_risk != null ? fmt.money(a.revenue_at_risk, a.reporting_currency ?? 'USD') : '–'}
          </dd>
        </dl>
        <div style={{ marginTop: '0.75rem' }}>
          <AlertActions alert={a} onChanged={onChanged} />
        </div>
      </div>
      {points.length > 0 && (
        <div className="panel">
          <h2>{t('alerts.band')}</h2>
          <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>
            <BandChart
              points={points}
              labels={{ observed: t('alerts.observed'), expected: t('alerts.expected') }}
              formatValue={fmtPoint}
              formatTime={(x) => fmt.time(x)}
            />
          </Suspense>
        </div>
      )}
      <div className="grid live-grid">
        <div className="panel">
          <h2>{t('alerts.contributing')}</h2>
          <ul>
            {a.contributors.map((c) => {
              const s = contributorText(lang, c, contributorKind(a), fmt.number);
              return (
                <li key={c.key} title={s.raw}>
                  {s.name && `${s.name}: `}
                  <strong>{s.value}</strong>
                  <span className="muted" title={s.help ?? undefined}>
                    {' · '}
                    {s.figure}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
        <div className="panel">
          <AlertSamples a={a} />
        </div>
      </div>
      <div className="panel">
        <h2>{t('alerts.deliveries')}</h2>
        <DeliveryTable deliveries={deliveries} />
      </div>
    </section>
  );
}
