import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.js';
import type { QueryState } from '../queries/index.js';

/** Renders loading / error / data for one query; keeps showing stale data while refetching. */
export function QueryView<T>({
  q,
  children,
  empty,
}: {
  q: QueryState<T>;
  children: (data: T) => ReactNode;
  empty?: (data: T) => boolean;
}) {
  const { t } = useI18n();
  if (q.data !== undefined) {
    if (empty?.(q.data)) return <p className="muted">{t('common.noData')}</p>;
    return <>{children(q.data)}</>;
  }
  if (q.error) {
    return (
      <div className="error-box" role="alert">
        {t('common.error', { msg: q.error.message })}{' '}
        <button type="button" onClick={q.refetch}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  return (
    <p className="muted" aria-busy="true">
      {t('common.loading')}
    </p>
  );
}
