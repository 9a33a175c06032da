import { summaryText } from '@paywatch/contracts';
import type { Alert } from '../../api/index.js';
import type { Lang } from '../../i18n/index.js';

/**
 * An alert's headline in the UI language: its `message` through the engine's own formatter
 * (contracts' `summaryText`, the one notifications use), else the English `summary` the engine
 * stored (alerts persisted before messages existed), else the rule name.
 */
export function alertSummary(a: Pick<Alert, 'message' | 'summary' | 'rule'>, lang: Lang): string {
  if (a.message) return summaryText(a.message, lang === 'zh-CN' ? 'zh' : 'en');
  return a.summary ?? a.rule;
}
