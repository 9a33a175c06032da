import type { LiveTransaction } from '@paywatch/contracts';
import { Link } from '../app/router.js';
import { useI18n } from '../i18n/index.js';
import { formatMinor, maskedCard } from './format-helpers.js';
import { StatusBadge } from './status-badge.js';

export type TxRow = LiveTransaction & { backfilled?: boolean };

/** The masked transaction table (live feed and drill-down list); payment ids link to the timeline. */
export function TxTable({
  rows,
  caption,
  compact = false,
  formatTime,
  zone,
}: {
  rows: readonly TxRow[];
  caption: string;
  compact?: boolean;
  /** The time column's text (default: the time of day on the browser's clock). */
  formatTime?(ts: number): string;
  /** The zone the times are on (an IANA name), handed on to the payment page; the browser's when absent. */
  zone?: string;
}) {
  const { t, label, fmt } = useI18n();
  const time = formatTime ?? fmt.time;
  const failure = (r: TxRow) =>
    r.failure_category
      ? `${label('failure_category', r.failure_category)}${r.failure_code ? ` (${r.failure_code})` : ''}`
      : '';
  return (
    <div className="table-wrap">
      <table data-testid="tx-table" className="tx-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('col.time')}</th>
            <th scope="col">{t('col.payment')}</th>
            <th scope="col">{t('col.provider')}</th>
            <th scope="col">{t('col.method')}</th>
            <th scope="col">{t('col.status')}</th>
            <th scope="col" className="num">
              {t('col.amount')}
            </th>
            {!compact && <th scope="col">{t('col.card')}</th>}
            <th scope="col">{t('col.country')}</th>
            <th scope="col">{t('col.failure')}</th>
            <th scope="col" className="num">
              {t('col.latency')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.event_id} data-testid="tx-row" data-backfilled={r.backfilled ? 'true' : undefined}>
              <td className="mono">{time(r.ts)}</td>
              <td className="mono payment" title={r.payment_id}>
                <Link
                  to={`/payments/${encodeURIComponent(r.payment_id)}${zone ? `?tz=${encodeURIComponent(zone)}` : ''}`}
                >
                  {r.payment_id}
                </Link>
              </td>
              <td>{r.provider}</td>
              <td data-value={r.method}>{label('method', r.method)}</td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td className="num">{formatMinor(fmt, r.amount_minor, r.currency)}</td>
              {!compact && <td className="mono">{maskedCard(r.card_brand, r.card_bin, r.card_last4)}</td>}
              <td>{r.country ?? '–'}</td>
              <td data-col="failure" className="failure" title={failure(r) || undefined}>
                {failure(r)}
              </td>
              <td className="num">{fmt.ms(r.latency_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
