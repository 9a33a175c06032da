import { BUCKETS, DIMENSIONS, UTC_ZONE, type Dimension } from '@paywatch/contracts';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { Link, navigate, useLocation } from '../../app/router.js';
import { useSession } from '../../app/session.js';
import { dimensionValueLabel, formatterFor, translate, useI18n, type I18n } from '../../i18n/index.js';
import { sessionCan } from '../auth/permissions.js';
import { useNow, useQuery } from '../../queries/index.js';
import { readApi } from '../../api/index.js';
import {
  basisOf,
  buildChartModel,
  deltaOf,
  METRIC_UNITS,
  isPartial,
  OTHER_KEY,
  type ChartModel,
  type ChartRow,
  type ChartSeries,
} from './chart-data.js';
import { comparisonRange } from './compare.js';
import { chartToCsv, csvFileName } from './csv.js';
import { drillHref } from './drill.js';
import { addFilter, checkFilterValues, codeKind, invalidFilters, knownValues } from './filter-input.js';
import { fetchTrendData, unconvertedNotice } from './trend-data.js';
import {
  BUCKET_NAMES,
  bucketFits,
  CHART_TYPES,
  COMPARES,
  METRICS,
  RANGE_PRESETS,
  browserZone,
  parseTrendsState,
  resolveRange,
  serializeTrendsState,
  utcBucketStart,
  zoneOf,
  type RangePreset,
  type TrendsState,
} from './trends-state.js';
import { TrendsRangeNote } from './trends-header.js';
import { fromZoneInput, toZoneInput } from './zone-input.js';

const TrendChart = lazy(() => import('../../charts/trend-chart.js').then((m) => ({ default: m.TrendChart })));

const COMPARE_KEYS = {
  none: 'compare.none',
  previous: 'compare.previous',
  week: 'compare.week',
  year: 'compare.year',
} as const;
const GROUP_LIMIT = 8;

/** Formats a metric value for tooltips/tables, and compactly for axes. */
export function valueFormatters(model: ChartModel, fmt: I18n['fmt']) {
  switch (model.unit) {
    case 'ratio':
      // Small rates (declines) need a decimal on the axis, or ticks repeat ("3%, 3%").
      return {
        full: (v: number) => fmt.percent(v, 2),
        axis: (v: number) => fmt.percent(v, v !== 0 && Math.abs(v) < 0.1 ? 1 : 0),
      };
    case 'money':
      return {
        full: (v: number) => fmt.money(v, model.currency),
        axis: (v: number) => fmt.axisNumber(v, model.currency),
      };
    case 'ms': {
      // One unit on the whole axis: per tick, `fmt.ms` switches to seconds at 10 s, so a p95 axis
      // read "0 ms, 8,000 ms, 16 s, 24 s, 32 s". Seconds when the chart reaches 10 s, else ms.
      let top = 0;
      for (const r of model.rows) for (const s of model.series) top = Math.max(top, r[s.id] ?? 0);
      return {
        full: (v: number) => fmt.ms(v),
        axis: (v: number) => (top >= 10_000 ? `${fmt.number(v / 1000, 3)} s` : `${fmt.number(v)} ms`),
      };
    }
    case 'count':
      return { full: (v: number) => fmt.number(v, 2), axis: (v: number) => fmt.axisNumber(v) };
  }
}

/**
 * A primary value's change against its comparison, as shown beside it: `+12.3 %` (relative), or
 * for rates `−1.5 pp` (percentage points); undefined without a comparable value.
 */
export function deltaText(
  model: ChartModel,
  row: ChartRow,
  s: ChartSeries,
  i18n: Pick<I18n, 't' | 'fmt' | 'lang'>,
) {
  const d = deltaOf(model, row, s);
  if (!d) return undefined;
  // One decimal always, signed by the value as shown: a change under 0.05 is `0.0`, never `-0`
  // (the table read "(-0 pp)" and "(+4 pp)" beside "(+3.7 pp)").
  const shown = Math.round(d.value * 1000) / 10;
  const sign = shown > 0 ? '+' : shown < 0 ? '-' : '';
  const text = `${sign}${oneDecimal(i18n.lang).format(Math.abs(shown))}`;
  return d.kind === 'points' ? i18n.t('trends.deltaPoints', { value: text }) : `${text}%`;
}

const decimals = new Map<string, Intl.NumberFormat>();
/** Numbers with exactly one decimal in `lang` (`3.0`, `1,234.5`). */
function oneDecimal(lang: string): Intl.NumberFormat {
  let f = decimals.get(lang);
  if (!f)
    decimals.set(
      lang,
      (f = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 })),
    );
  return f;
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The analyst's explorer; every control writes the URL, the URL drives everything. */
export function TrendsPage() {
  const { t, fmt: browserFmt, lang, ...rest } = useI18n();
  // The zone day buckets start in and every time on this page is shown in (the selector below).
  const localZone = useMemo(() => browserZone(), []);
  const loc = useLocation();
  const search = loc.search.toString();
  const state = useMemo(() => parseTrendsState(new URLSearchParams(search)), [search]);
  const now = useNow(60_000);
  const zone = zoneOf(state, localZone);
  const fmt = useMemo(
    () => (zone === localZone ? browserFmt : formatterFor(lang, zone)),
    [zone, localZone, browserFmt, lang],
  );
  const i18n: I18n = { ...rest, t, lang, fmt };
  const range = useMemo(() => resolveRange(state, now, zone), [state, now, zone]);
  const update = (patch: Partial<TrendsState>) =>
    navigate(`/trends?${serializeTrendsState({ ...state, ...patch })}`);

  const base = {
    from: range.from,
    to: range.to,
    filters: state.filters,
    bucket: range.bucket,
    groupBy: state.groupBy,
    limit: GROUP_LIMIT,
    tz: zone,
  };
  const cmp =
    state.compare === 'none'
      ? null
      : comparisonRange(state.compare, range.from, range.to, { bucketMs: BUCKETS[range.bucket], tz: zone });
  const cmpOffset = cmp?.offset;
  const key = `${serializeTrendsState(state)}|${zone}|${range.from}|${range.to}`;
  // A shared or edited URL can hold a value that never matches: the page says so in the UI
  // language and asks nothing (the read API would answer 400, in English).
  const badFilters = useMemo(() => invalidFilters(state.filters), [state.filters]);
  const data = useQuery(
    key,
    // Carries the read time (taken before sending): its bucket is drawn apart, marked in the CSV.
    // Money metrics also ask for the currencies without an FX rate (they are in no GMV).
    (signal) => fetchTrendData(readApi, base, cmp, signal, { money: METRIC_UNITS[state.metric] === 'money' }),
    { keepPrevious: true, enabled: badFilters.length === 0 },
  );

  const model = useMemo(() => {
    if (!data.data) return undefined;
    const labelOf = (k: string | null | undefined) => {
      if (k === undefined) return t('series.all');
      if (k === null) return t('series.unknown');
      if (k === OTHER_KEY) return t('series.other');
      return state.groupBy ? dimensionValueLabel(lang, state.groupBy, k) : k;
    };
    return buildChartModel({
      metric: state.metric,
      primary: data.data.primary,
      asOf: data.data.asOf,
      unconverted: Object.keys(data.data.unconverted),
      comparison:
        data.data.comparison && cmpOffset !== undefined
          ? { series: data.data.comparison, offset: cmpOffset }
          : undefined,
      labelOf,
      compareLabel: (name) =>
        state.compare === 'none' ? name : t(`trends.compareSuffix.${state.compare}`, { name }),
      // CSV columns: canonical group keys and English suffixes in every UI language.
      // The API's keys as they come (`__other__` for the rest); '(none)' for no value.
      exportLabelOf: (k) => (k === undefined ? 'all' : k === null ? '(none)' : k),
      exportCompareLabel: (name) =>
        state.compare === 'none' ? name : translate('en', `trends.compareSuffix.${state.compare}`, { name }),
    });
  }, [data.data, state.metric, state.groupBy, state.compare, t, lang, cmpOffset]);

  const { session } = useSession();
  const mayExport = sessionCan(session, 'export');
  // Viewers see aggregates only: the transaction list a drill-down opens is refused to them (the
  // app sent them to the live screen instead), so they get no drill hint, links or chart clicks.
  const mayDrill = sessionCan(session, 'transactions');
  const [showTable, setShowTable] = useState(false);
  // The custom range's inputs show the range in the URL: the one chosen (a custom URL, back and
  // forward), or the one in view when "Custom" is pressed. Kept from the page's first render, they
  // showed the 1 h default beside a 7-day chart, and "Apply" after changing one date sent the other.
  // They are on the chosen zone's clock like the rest of the page (not the browser's).
  const customFrom = state.range === 'custom' ? (state.from ?? range.from) : null;
  const customTo = state.range === 'custom' ? (state.to ?? range.to) : null;
  const [custom, setCustom] = useState(() => ({
    from: toZoneInput(customFrom ?? range.from, zone),
    to: toZoneInput(customTo ?? range.to, zone),
  }));
  useEffect(() => {
    if (customFrom !== null && customTo !== null)
      setCustom({ from: toZoneInput(customFrom, zone), to: toZoneInput(customTo, zone) });
  }, [customFrom, customTo, zone]);
  const [newFilter, setNewFilter] = useState<{ dim: Dimension; values: string }>({
    dim: 'provider',
    values: '',
  });
  const [filterError, setFilterError] = useState<string | null>(null);
  /** "No provider is called "x"", in the UI language, with what the dimension accepts. */
  const unknownValues = (dim: Dimension, values: string[]) => {
    const kind = codeKind(dim);
    const known = knownValues(dim);
    return t('trends.unknownValue', {
      dim: t(`dim.${dim}`),
      values: values.map((v) => `“${v}”`).join(', '),
      expected: kind
        ? t(kind === 'currency' ? 'trends.expectCurrency' : 'trends.expectCountry')
        : known.map((v) => dimensionValueLabel(lang, dim, v)).join(', '),
    });
  };

  const span = range.to - range.from;
  // With UTC chosen, day (and 6 h) buckets are cut at 00:00 UTC: say where that falls on the
  // analyst's own clock.
  const utcStart =
    zone === UTC_ZONE && localZone !== UTC_ZONE
      ? utcBucketStart(BUCKETS[range.bucket], -new Date(range.from).getTimezoneOffset())
      : null;
  const vf = model ? valueFormatters(model, fmt) : undefined;
  const hasData = model?.series.length
    ? model.rows.some((r) => model.series.some((s) => (r[s.id] ?? 0) !== 0))
    : false;

  return (
    <section>
      <h1>{t('trends.title')}</h1>
      <div className="panel controls" role="group" aria-label={t('trends.title')}>
        <div className="field">
          <span id="range-label">{t('trends.range')}</span>
          <div className="seg" role="group" aria-labelledby="range-label">
            {(Object.keys(RANGE_PRESETS) as RangePreset[]).map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={state.range === r}
                onClick={() => update({ range: r, from: undefined, to: undefined })}
              >
                {t(`range.${r}`)}
              </button>
            ))}
            <button
              type="button"
              aria-pressed={state.range === 'custom'}
              onClick={() => update({ range: 'custom', from: range.from, to: range.to })}
            >
              {t('trends.custom')}
            </button>
          </div>
        </div>
        {state.range === 'custom' && (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              const from = fromZoneInput(custom.from, zone);
              const to = fromZoneInput(custom.to, zone);
              if (Number.isFinite(from) && Number.isFinite(to) && to > from)
                update({ range: 'custom', from, to });
            }}
          >
            <label className="field">
              {t('trends.from', { zone })}
              <input
                type="datetime-local"
                value={custom.from}
                onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))}
              />
            </label>
            <label className="field">
              {t('trends.to', { zone })}
              <input
                type="datetime-local"
                value={custom.to}
                onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))}
              />
            </label>
            <button type="submit">{t('trends.apply')}</button>
          </form>
        )}
        <label className="field">
          {t('trends.granularity')}
          <select
            value={state.bucket !== 'auto' && bucketFits(state.bucket, span) ? state.bucket : 'auto'}
            onChange={(e) => update({ bucket: e.target.value as TrendsState['bucket'] })}
            data-testid="bucket"
          >
            <option value="auto">{t('trends.auto', { bucket: range.bucket })}</option>
            {BUCKET_NAMES.filter((b) => bucketFits(b, span)).map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('trends.zone')}
          <select
            value={state.tz === localZone ? 'local' : state.tz}
            data-testid="zone"
            onChange={(e) => update({ tz: e.target.value })}
          >
            <option value="local">{t('trends.zoneLocal', { zone: localZone })}</option>
            {localZone !== UTC_ZONE && <option value={UTC_ZONE}>{t('trends.zoneUtc')}</option>}
            {/* A zone a shared URL carried (neither UTC nor this browser's). */}
            {state.tz !== 'local' && state.tz !== UTC_ZONE && state.tz !== localZone && (
              <option value={state.tz}>{state.tz}</option>
            )}
          </select>
        </label>
        <label className="field">
          {t('trends.metric')}
          <select
            value={state.metric}
            data-testid="metric"
            onChange={(e) => {
              const metric = e.target.value as TrendsState['metric'];
              update({
                metric,
                groupBy:
                  metric === 'decline_rate'
                    ? 'failure_category'
                    : state.metric === 'decline_rate'
                      ? null
                      : state.groupBy,
              });
            }}
          >
            {METRICS.map((m) => (
              <option key={m} value={m}>
                {t(`metric.${m}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('trends.groupBy')}
          <select
            value={state.groupBy ?? ''}
            disabled={state.metric === 'decline_rate'}
            data-testid="group-by"
            onChange={(e) => update({ groupBy: (e.target.value || null) as Dimension | null })}
          >
            <option value="">{t('trends.none')}</option>
            {DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {t(`dim.${d}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('trends.compare')}
          <select
            value={state.compare}
            data-testid="compare"
            onChange={(e) => update({ compare: e.target.value as TrendsState['compare'] })}
          >
            {COMPARES.map((c) => (
              <option key={c} value={c}>
                {t(COMPARE_KEYS[c])}
              </option>
            ))}
          </select>
        </label>
        <div className="field">
          <span id="chart-label">{t('trends.chartType')}</span>
          <div className="seg" role="group" aria-labelledby="chart-label">
            {CHART_TYPES.map((c) => (
              <button
                key={c}
                type="button"
                aria-pressed={state.chart === c}
                onClick={() => update({ chart: c })}
              >
                {t(`chart.${c}`)}
              </button>
            ))}
          </div>
        </div>
      </div>

      <div className="panel" style={{ marginTop: '0.75rem' }}>
        <div className="chips">
          <span className="muted">{t('trends.filters')}:</span>
          {Object.entries(state.filters).map(([d, v]) => (
            <span key={d} className="chip">
              {t(`dim.${d}` as 'dim.provider')}:{' '}
              {v.map((x) => dimensionValueLabel(lang, d as Dimension, x)).join(', ')}
              <button
                type="button"
                aria-label={t('trends.removeFilter', { name: t(`dim.${d}` as 'dim.provider') })}
                onClick={() => {
                  const filters = { ...state.filters };
                  delete filters[d as Dimension];
                  update({ filters });
                }}
              >
                ×
              </button>
            </span>
          ))}
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              const { values, invalid } = checkFilterValues(newFilter.dim, newFilter.values);
              if (invalid.length > 0) {
                setFilterError(unknownValues(newFilter.dim, invalid));
                return;
              }
              if (values.length === 0) return;
              setFilterError(null);
              update({ filters: addFilter(state.filters, newFilter.dim, values) });
              setNewFilter((f) => ({ ...f, values: '' }));
            }}
          >
            <select
              aria-label={t('trends.addFilter')}
              value={newFilter.dim}
              onChange={(e) => {
                setFilterError(null);
                setNewFilter((f) => ({ ...f, dim: e.target.value as Dimension }));
              }}
            >
              {DIMENSIONS.map((d) => (
                <option key={d} value={d}>
                  {t(`dim.${d}`)}
                </option>
              ))}
            </select>
            <input
              type="text"
              placeholder={t('trends.filterValues')}
              aria-label={t('trends.filterValues')}
              aria-invalid={filterError ? true : undefined}
              aria-describedby={filterError ? 'filter-error' : undefined}
              list={knownValues(newFilter.dim).length > 0 ? 'filter-known-values' : undefined}
              value={newFilter.values}
              onChange={(e) => {
                setFilterError(null);
                setNewFilter((f) => ({ ...f, values: e.target.value }));
              }}
            />
            <datalist id="filter-known-values">
              {knownValues(newFilter.dim).map((v) => (
                <option key={v} value={v}>
                  {dimensionValueLabel(lang, newFilter.dim, v)}
                </option>
              ))}
            </datalist>
            <button type="submit">{t('trends.addFilter')}</button>
          </form>
          {filterError && (
            <p id="filter-error" className="error-box" role="alert" data-testid="filter-error">
              {filterError}
            </p>
          )}
        </div>
      </div>

      <div className="panel" style={{ marginTop: '0.75rem' }}>
        <div
          className="row"
          style={{ justifyContent: 'space-between', alignItems: 'center', marginBottom: '0.5rem' }}
        >
          <TrendsRangeNote
            from={range.from}
            to={range.to}
            bucket={range.bucket}
            zone={zone}
            utcStart={utcStart}
            fmt={fmt}
          />
          <div className="row">
            <button
              type="button"
              onClick={() => setShowTable((s) => !s)}
              aria-expanded={showTable}
              disabled={!model}
            >
              {showTable ? t('trends.hideTable') : t('trends.showTable')}
            </button>
            {mayExport && (
              <button
                type="button"
                data-testid="export-csv"
                disabled={!model}
                onClick={() => model && download(csvFileName(model, state.groupBy), chartToCsv(model))}
              >
                {t('trends.exportCsv')}
              </button>
            )}
          </div>
        </div>
        {badFilters.length > 0 && (
          <div className="error-box" role="alert" data-testid="filter-error">
            {badFilters.map(([d, v]) => unknownValues(d, v)).join(' ')}
          </div>
        )}
        {data.error && badFilters.length === 0 && (
          <div className="error-box" role="alert">
            {t('common.error', { msg: data.error.message })}{' '}
            <button type="button" onClick={data.refetch}>
              {t('common.retry')}
            </button>
          </div>
        )}
        {!model && !data.error && badFilters.length === 0 && <p className="muted">{t('common.loading')}</p>}
        {model && vf && badFilters.length === 0 && (
          <>
            {!hasData && <p className="muted">{t('trends.noData')}</p>}
            {model.unit === 'money' && data.data && Object.keys(data.data.unconverted).length > 0 && (
              <p className="error-box" role="status" data-testid="unconverted">
                {/* The average ticket leaves their payments out of its divisor too: say how many. */}
                {unconvertedNotice(
                  i18n,
                  data.data,
                  model.currency,
                  model.metric === 'avg_ticket' && state.groupBy !== 'currency',
                )}
              </p>
            )}
            <div className="chart-box" data-testid="trend-chart" aria-busy={data.loading}>
              <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>
                <TrendChart
                  model={model}
                  type={state.chart}
                  formatValue={vf.full}
                  formatAxisValue={vf.axis}
                  formatTime={(x) => fmt.dateTime(x)}
                  formatAxisTime={(x) => fmt.axis(x, span)}
                  timeZone={zone}
                  onSelect={
                    mayDrill
                      ? (x, s) => {
                          const href = drillHref(state, model, x, s, data.data?.converted);
                          if (href) navigate(href);
                        }
                      : undefined
                  }
                  ariaLabel={`${t(`metric.${state.metric}`)} · ${fmt.dateTime(range.from)} – ${fmt.dateTime(range.to)}`}
                  partialLabel={t('trends.partial')}
                  deltaLabel={(row, s) => deltaText(model, row, s, i18n)}
                  basisLabel={(x, s) => {
                    const n = basisOf(model, x, s);
                    return n === null ? undefined : t('trends.basis', { n: fmt.number(n) });
                  }}
                />
              </Suspense>
            </div>
            {showTable && (
              <DataTable
                model={model}
                state={state}
                format={vf.full}
                drill={mayDrill}
                converted={data.data?.converted ?? []}
              />
            )}
          </>
        )}
      </div>
    </section>
  );
}

/** The chart's numbers as a table; each cell links to its transactions (keyboard drill-down). */
function DataTable({
  model,
  state,
  format,
  drill,
  converted,
}: {
  model: ChartModel;
  state: TrendsState;
  format(v: number): string;
  /** Cells link to their transactions (not for viewers, who may not list them). */
  drill: boolean;
  /** The currencies money amounts are made of (`TrendData.converted`): drill-downs list only them. */
  converted: readonly string[];
}) {
  const base = useI18n();
  // Times on the chart's clock (its zone), like the chart and the CSV.
  const i18n: I18n = { ...base, fmt: formatterFor(base.lang, model.tz) };
  const { t, fmt } = i18n;
  return (
    <div className="table-wrap" style={{ marginTop: '0.75rem', maxHeight: '420px', overflowY: 'auto' }}>
      <table data-testid="trend-table">
        <thead>
          <tr>
            <th scope="col">{t('col.time')}</th>
            {model.series.map((s) => (
              <th key={s.id} scope="col" className="num">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {model.rows.map((r) => (
            <tr key={r.t}>
              <th scope="row" className="mono" data-partial={isPartial(model, r.t) ? 'true' : undefined}>
                {fmt.dateTime(r.t)}
                {isPartial(model, r.t) && <span className="muted"> · {t('trends.partial')}</span>}
              </th>
              {model.series.map((s) => {
                const v = r[s.id];
                const delta = deltaText(model, r, s, i18n);
                const href = drill ? drillHref(state, model, r.t, s, converted) : null;
                return (
                  <td key={s.id} className="num">
                    {v === null || v === undefined ? (
                      '–'
                    ) : href ? (
                      <Link to={href}>{format(v)}</Link>
                    ) : (
                      // "Other" of an open dimension, or "no value": no filter lists exactly these.
                      <span title={drill ? t('trends.noDrill') : undefined}>{format(v)}</span>
                    )}
                    {delta !== undefined && (
                      <span className="muted" data-testid="delta">
                        {' '}
                        ({delta})
                      </span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
