import type { LiveKpis, Timeseries } from '@paywatch/contracts';
import { Fragment } from 'react';
import { Sparkline } from '../../charts/sparkline.js';
import { useI18n } from '../../i18n/index.js';

/**
 * The sparklines' range: the last 30 *complete* minutes. The minute in progress is left out: it
 * holds only the events of its first seconds (and a range reaching past now adds an empty future
 * minute), which would draw a drop in traffic that is not happening. The tile's number is live.
 */
export function sparkRange(now: number): { from: number; to: number; bucket: '1m' } {
  const to = Math.floor(now / 60_000) * 60_000;
  return { from: to - 30 * 60_000, to, bucket: '1m' };
}

/** How often the sparklines are refetched while their last minute is in the store (`sparkRefetchMs`). */
export const SPARK_REFETCH_MS = 15_000;
/** How often they are refetched while it is not (yet): a store being back-filled fills in soon. */
export const SPARK_FILL_MS = 3_000;

/**
 * How soon to refetch the sparklines: every `SPARK_REFETCH_MS`, like the other panels (their range
 * moves only once a minute, and minutes back-filled or ingested late must still show), but every
 * `SPARK_FILL_MS` while the last complete minute has no event in the answer (or there is no answer
 * yet) — a demo store receives its recent history in the first seconds after the page opens,
 * and the tiles should draw it as soon as it is there, not 15 s later.
 */
export function sparkRefetchMs(ts: Timeseries | undefined): number {
  if (!ts) return SPARK_FILL_MS;
  const last = Math.floor((ts.to - 1) / ts.bucket_ms) * ts.bucket_ms;
  const p = ts.series[0]?.points.find((x) => x.t === last);
  return p && p.attempts > 0 ? SPARK_REFETCH_MS : SPARK_FILL_MS;
}

/**
 * Sparkline series of the last 30 minutes (1-minute buckets) from the read API, one value per
 * bucket of the range: a quiet minute is a zero (counts) or a gap (rates), never skipped.
 */
export function sparkSeries(ts: Timeseries | undefined) {
  const out = {
    pps: [] as (number | null)[],
    success: [] as (number | null)[],
    gmv: [] as (number | null)[],
    p95: [] as (number | null)[],
  };
  if (!ts) return out;
  const b = ts.bucket_ms;
  const byT = new Map((ts.series[0]?.points ?? []).map((p) => [p.t, p]));
  for (let t = Math.floor(ts.from / b) * b; t < ts.to; t += b) {
    const p = byT.get(t);
    out.pps.push(p ? p.attempts / (b / 1000) : 0);
    out.success.push(p ? p.success_rate : null);
    out.gmv.push(p ? p.gmv * (60_000 / b) : 0);
    out.p95.push(p ? p.latency_p95 : null);
  }
  return out;
}

/** The four headline KPIs: live values from the stream, trend from the read API. */
export function KpiTiles({ kpis, trend }: { kpis: LiveKpis | undefined; trend: Timeseries | undefined }) {
  const { t, fmt } = useI18n();
  const s = sparkSeries(trend);
  const currency = kpis?.reporting_currency ?? trend?.reporting_currency ?? 'USD';
  const sub = kpis ? t('kpi.window', { s: kpis.window_s }) : t('common.loading');
  return (
    <div className="grid kpis" data-testid="kpis">
      <div className="panel kpi">
        <h2>{t('kpi.pps')}</h2>
        <div className="value" data-testid="kpi-pps">
          {fmt.number(kpis?.payments_per_s, 1)}
        </div>
        <div className="sub">{sub}</div>
        <Sparkline values={s.pps} label={`${t('kpi.pps')}, ${t('kpi.trend')}`} />
      </div>
      <div className="panel kpi">
        <h2>{t('kpi.successRate')}</h2>
        <div className="value" data-testid="kpi-success">
          {fmt.percent(kpis?.success_rate, 1)}
        </div>
        <div className="sub">
          {kpis ? `${fmt.number(kpis.succeeded)} / ${fmt.number(kpis.attempts)}` : sub}
        </div>
        <Sparkline
          values={s.success}
          label={`${t('kpi.successRate')}, ${t('kpi.trend')}`}
          color="var(--series-2)"
        />
      </div>
      <div className="panel kpi">
        <h2>{t('kpi.gmvPerMin')}</h2>
        <div className="value" data-testid="kpi-gmv">
          {fmt.money(kpis?.gmv_per_min, currency, true)}
        </div>
        <div className="sub">{sub}</div>
        <Sparkline
          values={s.gmv}
          label={`${t('kpi.gmvPerMin')}, ${t('kpi.trend')}`}
          color="var(--series-1)"
        />
      </div>
      <div className="panel kpi">
        <h2>{t('kpi.latency')}</h2>
        {/* Each value in its own no-wrap span: a narrow tile may break between the values, never
            between a number and its unit (a lone "ms" on the wallboard). */}
        <div className="value latency" data-testid="kpi-latency">
          {kpis
            ? [kpis.latency_ms.p50, kpis.latency_ms.p95, kpis.latency_ms.p99].map((v, i) => (
                <Fragment key={i}>
                  {i > 0 && ' / '}
                  <span className="nowrap">{fmt.ms(v)}</span>
                </Fragment>
              ))
            : '–'}
        </div>
        <div className="sub">{sub}</div>
        <Sparkline values={s.p95} label={`p95, ${t('kpi.trend')}`} color="var(--series-3)" />
      </div>
    </div>
  );
}
