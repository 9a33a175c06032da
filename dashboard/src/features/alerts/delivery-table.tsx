import { DELIVERY_REASONS } from '@paywatch/contracts';
import type { Delivery } from '../../api/index.js';
import { useI18n } from '../../i18n/index.js';

/**
 * The notification deliveries of one alert: when, through which channel to whom, why (new alert,
 * update, reminder, escalation, test, keep-alive refresh) and the outcome, in the UI language. A
 * reason or status the engine may add later is shown as it came.
 */
export function DeliveryTable({ deliveries }: { deliveries: Delivery[] }) {
  const { t, fmt } = useI18n();
  const deliveryReason = (r: string | null | undefined) => {
    const known = DELIVERY_REASONS.find((x) => x === r);
    return known ? t(`alerts.reason.${known}`) : (r ?? '–');
  };
  return deliveries.length === 0 ? (
    <p className="muted">{t('alerts.noDeliveries')}</p>
  ) : (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('col.time')}</th>
            <th scope="col">{t('alerts.channel')}</th>
            <th scope="col">{t('alerts.receiver')}</th>
            <th scope="col">{t('alerts.reason')}</th>
            <th scope="col">{t('col.status')}</th>
            <th scope="col" className="num">
              {t('alerts.attempts')}
            </th>
            <th scope="col">{t('alerts.error')}</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d, i) => (
            <tr key={i}>
              <td>{fmt.dateTime(d.at)}</td>
              <td>{d.channel}</td>
              <td>{d.receiver ?? d.target ?? '–'}</td>
              <td>{deliveryReason(d.reason)}</td>
              <td className={d.status === 'sent' ? 'ok' : 'bad'} data-value={d.status}>
                {d.status === 'sent' || d.status === 'failed' ? t(`alerts.delivery.${d.status}`) : d.status}
              </td>
              <td className="num">{d.attempts ?? '–'}</td>
              <td>{d.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
