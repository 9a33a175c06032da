import { Link } from '../../app/router.js';
import { useI18n } from '../../i18n/index.js';
import type { Alert } from '../../api/index.js';
import { samplesHref } from './alert-series.js';

/**
 * The alert page's sample transactions: the heading links to the slice's failed transactions over
 * the episode; a masked sample id (`pay_…_1rg`, as notifications show it) is text, a full one (a
 * host that keeps them) links to its payment. Linking the masked ids led to "no events for
 * payment" pages.
 */
export function AlertSamples({ a, now = Date.now() }: { a: Alert; now?: number }) {
  const { t } = useI18n();
  return (
    <>
      <h2>
        <Link to={samplesHref(a, now)}>{t('alerts.samples')}</Link>
      </h2>
      <ul>
        {a.samples.map((p) => (
          <li key={p} className="mono">
            {p.includes('…') ? p : <Link to={`/payments/${encodeURIComponent(p)}`}>{p}</Link>}
          </li>
        ))}
      </ul>
    </>
  );
}
