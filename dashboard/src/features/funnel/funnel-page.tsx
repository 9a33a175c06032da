import { CHANNELS, METHODS, type Channel, type Method } from '@paywatch/contracts';
import { BarList } from '../../charts/bar-list.js';
import { fetchFunnel, FunnelUnavailableError } from '../../api/index.js';
import { navigate, useLocation } from '../../app/router.js';
import { useI18n } from '../../i18n/index.js';
import { useNow, useQuery } from '../../queries/index.js';

const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
type Range = keyof typeof RANGES;
const STEP_KEYS: Record<
  string,
  'funnel.checkout_viewed' | 'funnel.payment_submitted' | 'funnel.payment_result'
> = {
  checkout_viewed: 'funnel.checkout_viewed',
  payment_submitted: 'funnel.payment_submitted',
  payment_result: 'funnel.payment_result',
};

/** Checkout funnel from the shops' own Faro RUM events: viewed → submitted → result, by method and channel. */
export function FunnelPage() {
  const { t, label, fmt } = useI18n();
  const loc = useLocation();
  const range = (Object.keys(RANGES) as Range[]).find((r) => r === loc.search.get('range')) ?? '24h';
  const method = METHODS.find((m) => m === loc.search.get('method'));
  const channel = CHANNELS.find((c) => c === loc.search.get('channel'));
  const now = useNow(60_000);
  const p = {
    from: now - RANGES[range],
    to: now + 60_000,
    filters: { ...(method ? { method: [method] } : {}), ...(channel ? { channel: [channel] } : {}) },
  };
  const q = useQuery(`funnel:${range}:${method ?? ''}:${channel ?? ''}:${now}`, (s) => fetchFunnel(p, s), {
    keepPrevious: true,
  });
  const set = (k: string, v: string) => {
    const s = new URLSearchParams(loc.search);
    if (v) s.set(k, v);
    else s.delete(k);
    navigate(`/funnel${s.size ? `?${s}` : ''}`);
  };

  return (
    <section>
      <h1>{t('funnel.title')}</h1>
      <div className="panel controls">
        <div className="seg" role="group" aria-label={t('trends.range')}>
          {(Object.keys(RANGES) as Range[]).map((r) => (
            <button key={r} type="button" aria-pressed={range === r} onClick={() => set('range', r)}>
              {t(`range.${r}`)}
            </button>
          ))}
        </div>
        <label className="field">
          {t('dim.method')}
          <select value={method ?? ''} onChange={(e) => set('method', e.target.value as Method | '')}>
            <option value="">{t('alerts.all')}</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {label('method', m)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('dim.channel')}
          <select value={channel ?? ''} onChange={(e) => set('channel', e.target.value as Channel | '')}>
            <option value="">{t('alerts.all')}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {label('channel', c)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="panel" style={{ marginTop: '0.75rem' }}>
        {q.error instanceof FunnelUnavailableError ? (
          <div className="notice" role="status" data-testid="funnel-unavailable">
            <strong>{t('funnel.unavailable')}</strong>
            <p className="muted" style={{ margin: '0.25rem 0 0' }}>
              {t('funnel.unavailableHelp')}
            </p>
          </div>
        ) : q.error && !q.data ? (
          <div className="error-box" role="alert">
            {t('common.error', { msg: q.error.message })}
          </div>
        ) : !q.data ? (
          <p className="muted">{t('common.loading')}</p>
        ) : q.data.steps.every((s) => s.sessions === 0) ? (
          <p className="muted">{t('funnel.empty')}</p>
        ) : (
          <BarList
            label={t('funnel.title')}
            items={q.data.steps.map((s) => ({
              id: s.step,
              label: STEP_KEYS[s.step.split('[')[0] ?? '']
                ? t(STEP_KEYS[s.step.split('[')[0] ?? '']!)
                : s.step,
              value: s.sessions,
              text: `${fmt.number(s.sessions)}${s.conversion_from_previous !== null ? ` · ${fmt.percent(s.conversion_from_previous)}` : ''}`,
              title:
                s.conversion_from_first !== null
                  ? `${t('funnel.fromFirst')}: ${fmt.percent(s.conversion_from_first)}`
                  : undefined,
            }))}
          />
        )}
      </div>
    </section>
  );
}
