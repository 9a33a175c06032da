import { DIMENSIONS, type PaymentEvent } from '@paywatch/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { API_BASE, rangeSearch, readApi } from '../../api/index.js';
import { navigate, useLocation } from '../../app/router.js';
import { useSession } from '../../app/session.js';
import { sessionCan } from '../auth/permissions.js';
import { TxTable } from '../../components/index.js';
import { dimensionValueLabel, useI18n } from '../../i18n/index.js';
import { toLiveTransaction } from '../../live/index.js';
import { useNow } from '../../queries/index.js';
import { parseTxQuery, txHref, withinOneDay } from './tx-query.js';
import { useTxClock } from './use-tx-clock.js';

const PAGE = 100;

/** The filtered transaction list (drill-down target), newest first, paged by cursor. */
export function TransactionsPage() {
  const { t, lang } = useI18n();
  const loc = useLocation();
  // Times on the clock of the chart a drill-down came from (`tz`), else the browser's; the zone is
  // named beside the range. Without it, a UTC day drilled from the trends page read 01:00–01:00
  // (Berlin) and its rows showed times of day with no date and no zone.
  const { zone, zoneName, fmt } = useTxClock(loc.search);
  const now = useNow(60_000);
  const hasRange = loc.search.has('from') || loc.search.has('to');
  const search = loc.search.toString();
  // An open-ended list ("last hour") follows the clock while only its first page is shown; an
  // explicit range never changes. Once the analyst loads more, the range being paged stays put
  // until the URL changes: following the clock then replaced the list every minute with a new
  // first page, dropping the pages loaded and scrolling the reader back to the top.
  const [pinned, setPinned] = useState<{ search: string; now: number } | null>(null);
  const clock = hasRange ? 0 : pinned?.search === search ? pinned.now : now;
  const params = useMemo(
    () => parseTxQuery(new URLSearchParams(search), clock || Date.now()),
    [search, clock],
  );
  const key = txHref(params);
  // A list over more than one day (a day bucket, a week) gives each row its date.
  const oneDay = withinOneDay(params.from, params.to, zone);
  const [items, setItems] = useState<PaymentEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading');
  const [error, setError] = useState('');

  const load = useCallback(
    (after: string | null, signal?: AbortSignal) => {
      setState('loading');
      readApi.transactions({ ...params, limit: PAGE, cursor: after }, signal).then(
        (res) => {
          setItems((prev) => (after ? [...prev, ...res.items] : res.items));
          setCursor(res.next_cursor);
          setState('idle');
        },
        (e: unknown) => {
          if (signal?.aborted) return;
          setError(e instanceof Error ? e.message : String(e));
          setState('error');
        },
      );
    },
    // `key` is the URL of `params`: it changes exactly when params do.
    [key],
  );

  // A new query empties the list; the clock moving an open-ended first page on keeps its rows
  // until the newer page replaces them (emptied, the page shrank and lost its scroll position).
  const shown = useRef(search);
  useEffect(() => {
    const ctrl = new AbortController();
    if (shown.current !== search) setItems([]);
    shown.current = search;
    load(null, ctrl.signal);
    return () => ctrl.abort();
    // `search` changes only together with `load` (its key): `load` alone decides when to reload.
  }, [load]);

  const { session } = useSession();
  // The list as a file: the read API's export of the same range and filters (masked events, newest
  // first, at most 100,000; audited), for the roles that may export.
  const mayExport = sessionCan(session, 'export');
  const exportHref = `${API_BASE}/export/transactions?${rangeSearch(params, { format: 'csv' })}`;

  const chips = DIMENSIONS.flatMap((d) => {
    const v = params.filters?.[d];
    return v && v.length > 0 ? [[d, v] as const] : [];
  });
  const removeFilter = (dim: string) => {
    const s = new URLSearchParams(loc.search);
    s.delete(dim);
    navigate(`/transactions?${s}`);
  };

  return (
    <section>
      <h1>{t('tx.title')}</h1>
      <div className="panel" style={{ marginBottom: '0.75rem' }}>
        <div className="chips">
          <span className="muted">{t('tx.filteredBy')}:</span>
          <span className="chip" data-testid="tx-range" style={{ paddingRight: '0.6rem' }}>
            {t('tx.range', { from: fmt.dateTime(params.from), to: fmt.dateTime(params.to) })} ·{' '}
            {t('trends.zoneIn', { zone: zoneName })}
          </span>
          {chips.map(([d, v]) => (
            <span key={d} className="chip">
              {t(`dim.${d}`)}: {v.map((x) => dimensionValueLabel(lang, d, x)).join(', ')}
              <button
                type="button"
                aria-label={t('trends.removeFilter', { name: t(`dim.${d}`) })}
                onClick={() => removeFilter(d)}
              >
                ×
              </button>
            </span>
          ))}
          {chips.length > 0 && (
            <button type="button" onClick={() => navigate('/transactions')}>
              {t('tx.clear')}
            </button>
          )}
          {mayExport && (
            <button
              type="button"
              data-testid="export-tx"
              data-href={exportHref}
              onClick={() => {
                // The collector answers with the file (Content-Disposition: attachment).
                const a = document.createElement('a');
                a.href = exportHref;
                a.download = '';
                document.body.append(a);
                a.click();
                a.remove();
              }}
            >
              {t('trends.exportCsv')}
            </button>
          )}
        </div>
      </div>
      <div className="panel">
        {state === 'error' && (
          <div className="error-box" role="alert">
            {t('common.error', { msg: error })}{' '}
            <button type="button" onClick={() => load(null)}>
              {t('common.retry')}
            </button>
          </div>
        )}
        {items.length > 0 && (
          <TxTable
            rows={items.map(toLiveTransaction)}
            caption={t('tx.title')}
            formatTime={oneDay ? fmt.time : fmt.dateTime}
            zone={zone}
          />
        )}
        {items.length === 0 && state === 'idle' && <p className="muted">{t('tx.empty')}</p>}
        {state === 'loading' && <p className="muted">{t('common.loading')}</p>}
        {cursor && state === 'idle' && (
          <button
            type="button"
            onClick={() => {
              if (!hasRange) setPinned({ search, now: clock });
              load(cursor);
            }}
            style={{ marginTop: '0.5rem' }}
          >
            {t('tx.loadMore')}
          </button>
        )}
      </div>
    </section>
  );
}
