import { outcomeOf } from '@paywatch/contracts';
import { useLocation } from '../../app/router.js';
import { QueryView, StatusBadge, formatMinor, maskedCard } from '../../components/index.js';
import { useI18n } from '../../i18n/index.js';
import { usePayment } from '../../queries/index.js';
import { useTxClock } from './use-tx-clock.js';

/** One payment's timeline: every attempt and status change, failure code and reason, latency (masked). */
export function PaymentPage({ params }: { params: Record<string, string> }) {
  const { t, label } = useI18n();
  // On the clock of the list it was opened from (`tz`, a drill-down's chart zone), named under the
  // title: the list read 23:59 UTC and the timeline the same event as 00:59 (Berlin), unnamed.
  const { fmt, zoneName } = useTxClock(useLocation().search);
  const id = params.id ?? '';
  const q = usePayment(id);
  return (
    <section>
      <p>
        <a
          href="/transactions"
          onClick={(e) => {
            if (history.length > 1) {
              e.preventDefault();
              history.back();
            }
          }}
        >
          ← {t('pay.back')}
        </a>
      </p>
      <h1 className="mono">{t('pay.title', { id })}</h1>
      <p className="muted" data-testid="pay-zone">
        {t('trends.zoneIn', { zone: zoneName })}
      </p>
      <QueryView q={q}>
        {(p) => {
          if (p.events.length === 0) return <p className="muted">{t('pay.notFound')}</p>;
          const events = [...p.events].sort((a, b) => a.ts - b.ts || a.attempt - b.attempt);
          const first = events[0]!;
          const last = events[events.length - 1]!;
          return (
            <div className="grid live-grid" style={{ marginTop: 0 }}>
              <div className="panel">
                <h2>{t('pay.events', { n: events.length })}</h2>
                <ol className="timeline" data-testid="timeline">
                  {events.map((e) => (
                    <li key={e.event_id} className={outcomeOf(e.status) ?? ''}>
                      <div className="row" style={{ alignItems: 'center' }}>
                        <span className="mono">{fmt.dateTime(e.ts)}</span>
                        <StatusBadge status={e.status} />
                        <span className="muted">{t('pay.attempt', { n: e.attempt })}</span>
                        <span>
                          {e.provider} · {label('method', e.method)}
                        </span>
                        {e.latency_ms !== null && <span className="muted">{fmt.ms(e.latency_ms)}</span>}
                      </div>
                      {e.failure && (
                        <div className="bad" style={{ marginTop: '0.2rem' }}>
                          {label('failure_category', e.failure.category)}
                          {e.failure.code && (
                            <>
                              {' '}
                              · {t('pay.code')}: <span className="mono">{e.failure.code}</span>
                            </>
                          )}
                          {e.failure.message && <> · {e.failure.message}</>}
                        </div>
                      )}
                      {e.card && (e.card.bin || e.card.last4) && (
                        <div className="muted mono">{maskedCard(e.card.brand, e.card.bin, e.card.last4)}</div>
                      )}
                    </li>
                  ))}
                </ol>
              </div>
              <div className="panel">
                <dl className="kv">
                  <dt>{t('col.status')}</dt>
                  <dd>
                    <StatusBadge status={last.status} />
                  </dd>
                  <dt>{t('pay.amount')}</dt>
                  <dd>{formatMinor(fmt, last.amount_minor, last.currency)}</dd>
                  <dt>{t('pay.merchant')}</dt>
                  <dd className="mono">{last.merchant_id}</dd>
                  <dt>{t('col.provider')}</dt>
                  <dd>{[...new Set(events.map((e) => e.provider))].join(', ')}</dd>
                  <dt>{t('col.method')}</dt>
                  <dd>{label('method', last.method)}</dd>
                  <dt>{t('col.channel')}</dt>
                  <dd>{last.channel ? label('channel', last.channel) : '–'}</dd>
                  <dt>{t('col.country')}</dt>
                  <dd>{last.country ?? '–'}</dd>
                  <dt>{t('col.card')}</dt>
                  <dd className="mono">
                    {last.card ? maskedCard(last.card.brand, last.card.bin, last.card.last4) : '–'}
                  </dd>
                  <dt>{t('pay.customer')}</dt>
                  <dd className="mono">{last.customer_ref ?? '–'}</dd>
                  <dt>{t('pay.risk')}</dt>
                  <dd>{last.risk_score ?? '–'}</dd>
                  <dt>{t('col.time')}</dt>
                  <dd>
                    {fmt.dateTime(first.ts)} → {fmt.dateTime(last.ts)}
                  </dd>
                  <dt>{t('col.source')}</dt>
                  <dd>{[...new Set(events.map((e) => e.source))].join(', ')}</dd>
                </dl>
              </div>
            </div>
          );
        }}
      </QueryView>
    </section>
  );
}
