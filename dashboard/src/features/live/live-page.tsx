import { useEffect, useMemo, useState } from 'react';
import { Link, navigate, useLocation } from '../../app/router.js';
import { useSession } from '../../app/session.js';
import { sessionCan } from '../auth/permissions.js';
import { BarList } from '../../charts/bar-list.js';
import { Heatmap } from '../../charts/heatmap.js';
import { QueryView, TxTable } from '../../components/index.js';
import { useI18n } from '../../i18n/index.js';
import { alertPollMs, useLive, useRefetchOn, type LiveView } from '../../live/index.js';
import {
  useAlerts,
  useBreakdown,
  useFailures,
  useNow,
  useQuery,
  useTimeseries,
} from '../../queries/index.js';
import { AlertList } from '../alerts/alert-list.js';
import { txHref } from '../transactions/tx-query.js';
import { KpiTiles, SPARK_FILL_MS, sparkRange, sparkRefetchMs } from './kpi-tiles.js';
import { cellKey, fetchMatrix } from './live-panels.js';

function ConnBadge({ live }: { live: LiveView }) {
  const { t, fmt } = useI18n();
  const now = useNow(1000);
  const label = t(`conn.${live.state}`);
  return (
    <span className="conn" data-state={live.state} role="status" aria-live="polite" data-testid="conn-state">
      <span className="dot" aria-hidden="true" />
      {label}
      {live.lastEventAt !== undefined && (
        <span className="muted" style={{ fontWeight: 400 }}>
          · {t('conn.lastEvent', { ago: fmt.relative(Math.min(0, live.lastEventAt - now)) })}
        </span>
      )}
    </span>
  );
}

/** The on-call screen: live KPIs, feed, heatmap, countries, failures and active alerts. */
export function LivePage() {
  const { t, label, fmt } = useI18n();
  const { session } = useSession();
  // The collector streams masked transactions to analysts and above only; viewers get KPIs.
  const kpisOnly = !sessionCan(session, 'transactions');
  const live = useLive({ transactions: !kpisOnly });
  // Panels refresh every 15 s (about 45 requests a minute with the heatmap).
  const now = useNow(15_000);
  const wallboard = useLocation().search.get('wallboard') === '1';
  const last15 = useMemo(() => ({ from: now - 15 * 60_000, to: now + 15_000 }), [now]);
  const spark = useMemo(() => sparkRange(now), [now]);
  // Refetched on a timer too (sparkRefetchMs): the range moves once a minute, but a back-filled
  // store (the demo's first seconds) fills in the minutes already shown.
  const [sparkEvery, setSparkEvery] = useState(SPARK_FILL_MS);
  const trend = useTimeseries(spark, { keepPrevious: true, refetchMs: sparkEvery });
  useEffect(() => setSparkEvery(sparkRefetchMs(trend.data)), [trend.data]);
  const matrix = useQuery(`matrix:${last15.from}`, (s) => fetchMatrix(last15, s), { keepPrevious: true });
  const countries = useBreakdown({ ...last15, dimension: 'country', limit: 10 }, { keepPrevious: true });
  const failures = useFailures(last15, { keepPrevious: true });
  // Active alerts: re-read on the socket's alert transitions (and after a reconnect), polled
  // slowly besides — every 15 s while the socket is down (until 27 Nov: always every 15 s).
  const alerts = useAlerts({ status: 'active' }, { refetchMs: alertPollMs(live.state) });
  useRefetchOn(live.alertVersion, alerts.refetch);

  useEffect(() => {
    if (!wallboard) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') navigate('/live');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [wallboard]);

  return (
    <section className="live-page">
      <div
        className="row"
        style={{ justifyContent: 'space-between', alignItems: 'center', marginBottom: '0.75rem' }}
      >
        <h1 style={{ margin: 0 }}>{t('live.title')}</h1>
        <div className="row" style={{ alignItems: 'center' }}>
          <ConnBadge live={live} />
          {live.backfilled > 0 && (
            <span className="muted">{t('conn.backfilled', { n: live.backfilled })}</span>
          )}
          <Link to={wallboard ? '/live' : '/live?wallboard=1'}>
            {wallboard ? t('live.exitWallboard') : t('live.wallboard')}
          </Link>
        </div>
      </div>
      <KpiTiles kpis={live.kpis} trend={trend.data} />
      <div className="grid live-grid">
        <div className="panel live-feed">
          <h2>{t('live.feed')}</h2>
          {kpisOnly ? (
            <p className="muted">{t('live.viewerOnly')}</p>
          ) : live.feed.length === 0 ? (
            <p className="muted">{t('live.feedEmpty')}</p>
          ) : (
            <TxTable rows={live.feed.slice(0, 30)} caption={t('live.feed')} compact />
          )}
          {live.dropped > 0 && <p className="muted">{t('live.dropped', { n: fmt.number(live.dropped) })}</p>}
        </div>
        <div className="grid live-side">
          <div className="panel live-alerts" data-testid="live-alerts">
            {/* The count, so a list cut at the bottom (the wallboard) still says how many fire. */}
            <h2>
              {t('live.alerts')}
              {alerts.data && alerts.data.items.length > 0 && (
                <span data-testid="live-alerts-count"> · {fmt.number(alerts.data.items.length)}</span>
              )}
            </h2>
            <AlertList q={alerts} compact wallboard={wallboard} />
          </div>
          <div className="panel">
            <h2>{t('live.heatmap')}</h2>
            <QueryView q={matrix} empty={(m) => m.rows.length === 0}>
              {(m) => (
                <Heatmap
                  rows={m.rows}
                  cols={m.cols}
                  cell={(r, c) => m.cells.get(cellKey(r, c))}
                  caption={t('live.heatmap')}
                  fmt={fmt}
                  rowLabel={(r) => label('provider', r)}
                  colLabel={(c) => label('method', c)}
                  attemptsLabel={(n) => t('live.attempts', { n: fmt.number(n) })}
                  link={(r, c, text) => (
                    <Link
                      to={txHref({ ...last15, filters: { provider: [r], method: [c] } })}
                      className="cell-link"
                    >
                      {text}
                    </Link>
                  )}
                />
              )}
            </QueryView>
          </div>
          {/* Side by side on the wallboard (styles.css), stacked elsewhere. */}
          <div className="grid live-pair">
            <div className="panel">
              <h2>{t('live.byCountry')}</h2>
              <QueryView q={countries} empty={(b) => b.rows.length === 0}>
                {(b) => (
                  <BarList
                    label={t('live.byCountry')}
                    renderLink={(href, text) => <Link to={href}>{text}</Link>}
                    max={1}
                    items={b.rows.map((r) => ({
                      id: r.key ?? '∅',
                      ...(r.key ? { href: txHref({ ...last15, filters: { country: [r.key] } }) } : {}),
                      label: r.key ?? t('series.unknown'),
                      value: r.success_rate ?? 0,
                      text: fmt.percent(r.success_rate),
                      title: t('live.attempts', { n: fmt.number(r.attempts) }),
                      bad: r.success_rate !== null && r.success_rate < 0.8,
                    }))}
                  />
                )}
              </QueryView>
            </div>
            <div className="panel">
              <h2>{t('live.failures')}</h2>
              <QueryView q={failures}>
                {(f) =>
                  f.rows.length === 0 ? (
                    <p className="muted">{t('live.noFailures')}</p>
                  ) : (
                    <BarList
                      label={t('live.failures')}
                      renderLink={(href, text) => <Link to={href}>{text}</Link>}
                      items={f.rows.slice(0, 6).map((r) => ({
                        id: r.category,
                        href: txHref({
                          ...last15,
                          filters: { status: ['failed'], failure_category: [r.category] },
                        }),
                        label: label('failure_category', r.category),
                        value: r.count,
                        text: `${fmt.number(r.count)} · ${fmt.percent(r.share, 0)}`,
                        title: r.top_codes.map((c) => `${c.code}: ${c.count}`).join(', '),
                        bad: true,
                      }))}
                    />
                  )
                }
              </QueryView>
            </div>
          </div>
        </div>
      </div>
    </section>
  );
}
