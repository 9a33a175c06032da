import { useMemo } from 'react';
import { formatterFor, useI18n, type Formatter } from '../../i18n/index.js';
import { txZone } from './tx-query.js';

/** The clock the transaction list and a payment's timeline show their times on. */
export interface TxClock {
  /** `tz` of the URL (the zone of the chart a drill-down came from), or `undefined`: the browser's. */
  zone: string | undefined;
  /** The zone named beside the times: `zone`, else the browser's. */
  zoneName: string;
  /** The UI language's formatter on that clock. */
  fmt: Formatter;
}

/** The clock of a list or timeline opened at `search` (its `tz`, else the browser's). */
export function useTxClock(search: URLSearchParams): TxClock {
  const { fmt: browserFmt, lang } = useI18n();
  const zone = txZone(search);
  const fmt = useMemo(() => (zone ? formatterFor(lang, zone) : browserFmt), [zone, lang, browserFmt]);
  return { zone, zoneName: zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, fmt };
}
