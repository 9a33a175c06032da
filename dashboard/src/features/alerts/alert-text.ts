import { POOLED, summaryText } from '@paywatch/contracts';
import type { Alert } from '../../api/index.js';
import { translate, type Lang } from '../../i18n/index.js';
import { locale } from './alert-labels.js';

/**
 * An alert's headline in the UI language: its `message` through the engine's own formatter
 * (contracts' `summaryText`, the one notifications use), else the English `summary` the engine
 * stored (alerts persisted before messages existed), else the rule name.
 */
export function alertSummary(a: Pick<Alert, 'message' | 'summary' | 'rule'>, lang: Lang): string {
  if (a.message) return summaryText(a.message, locale(lang));
  return a.summary ?? a.rule;
}

/**
 * An alert's labels as the lists print them, `provider=adyen method=card` (the names silences and
 * URLs match on), leaving out `omit`; a pooled slice's value reads `bin=(pooled)` / `bin=（合并）`,
 * not the engine's `_pooled`. The alert page names them in words (`shownLabels`).
 */
export function labelsText(labels: Record<string, string>, lang: Lang, omit: readonly string[] = []): string {
  return Object.entries(labels)
    .filter(([k]) => !omit.includes(k))
    .map(([k, v]) => `${k}=${v === POOLED ? translate(lang, 'alerts.pooledShort') : v}`)
    .join(' ');
}
