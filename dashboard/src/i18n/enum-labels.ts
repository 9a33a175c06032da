import {
  CARD_FUNDING_NAMES,
  CARD_WALLET_NAMES,
  CHANNEL_NAMES,
  METHOD_NAMES,
  OTHER_NAME,
} from '@paywatch/contracts';
import type { Dimension, FailureCategory, Source, Status } from '@paywatch/contracts';
import { MESSAGES, type Lang } from './messages.js';

// Display labels of the canonical enum values (contracts/src/enums.ts) and of the alert engine's
// states and severities. Labels are for display only: filters, URLs, API calls and exports keep
// the canonical English ids. Provider and card-brand names are proper names and stay as they are.

type Labels<V extends string> = Record<V, Record<Lang, string>>;

/** Names shared with the chat and email messages (contracts' alert-labels.ts), per dashboard language. */
function shared<V extends string>(table: Record<V, Record<'en' | 'zh', string>>): Labels<V> {
  return Object.fromEntries(
    Object.entries<Record<'en' | 'zh', string>>(table).map(([k, v]) => [k, { en: v.en, 'zh-CN': v.zh }]),
  ) as Labels<V>;
}

const METHOD = shared(METHOD_NAMES);
const CHANNEL = shared(CHANNEL_NAMES);
const CARD_FUNDING = shared(CARD_FUNDING_NAMES);
const CARD_WALLET = shared(CARD_WALLET_NAMES);

const SOURCE: Labels<Source> = {
  api: { en: 'Events API', 'zh-CN': '事件 API' },
  webhook: { en: 'Webhook', 'zh-CN': 'Webhook 回调' },
  log: { en: 'Log', 'zh-CN': '日志' },
  scrape: { en: 'Metrics scrape', 'zh-CN': '指标抓取' },
  faro: { en: 'Faro RUM', 'zh-CN': 'Faro 前端监控' },
  replay: { en: 'Replay', 'zh-CN': '重放' },
};

/** Alert states the engine reports, plus the muted/acknowledged marks the list shows. */
export const ALERT_STATES = [
  'inactive',
  'pending',
  'firing',
  'resolved',
  'acknowledged',
  'silenced',
] as const;
export type AlertStateLabel = (typeof ALERT_STATES)[number];
const ALERT_STATE: Labels<AlertStateLabel> = {
  inactive: { en: MESSAGES.en['state.inactive'], 'zh-CN': MESSAGES['zh-CN']['state.inactive'] },
  pending: { en: MESSAGES.en['state.pending'], 'zh-CN': MESSAGES['zh-CN']['state.pending'] },
  firing: { en: MESSAGES.en['state.firing'], 'zh-CN': MESSAGES['zh-CN']['state.firing'] },
  resolved: { en: MESSAGES.en['state.resolved'], 'zh-CN': MESSAGES['zh-CN']['state.resolved'] },
  acknowledged: { en: 'Acknowledged', 'zh-CN': '已确认' },
  silenced: { en: MESSAGES.en['alerts.silenced'], 'zh-CN': MESSAGES['zh-CN']['alerts.silenced'] },
};

/**
 * Severities of the shipped rules (alerts/, grafana/prometheus/: critical, page, warning, info) and
 * `ticket`, the SRE workbook's slow burn-rate pair that docs/alerts.md suggests adding; a rule may
 * name others, shown as is.
 */
export const ALERT_SEVERITIES = ['critical', 'page', 'warning', 'ticket', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
const ALERT_SEVERITY: Labels<AlertSeverity> = {
  critical: { en: 'Critical', 'zh-CN': '严重' },
  page: { en: 'Page', 'zh-CN': '紧急呼叫' },
  warning: { en: 'Warning', 'zh-CN': '警告' },
  ticket: { en: 'Ticket', 'zh-CN': '工单' },
  info: { en: 'Info', 'zh-CN': '提示' },
};

const OTHER: Labels<'other'> = { other: { en: OTHER_NAME.en, 'zh-CN': OTHER_NAME.zh } };

/** Which vocabulary a displayed value belongs to. */
export type EnumKind =
  | 'provider'
  | 'method'
  | 'channel'
  | 'status'
  | 'failure_category'
  | 'card_brand'
  | 'card_funding'
  | 'card_wallet'
  | 'source'
  | 'alert_state'
  | 'alert_severity';

function fromTable(
  table: Record<string, Record<Lang, string>>,
  lang: Lang,
  value: string,
): string | undefined {
  return Object.hasOwn(table, value) ? table[value]?.[lang] : undefined;
}

/**
 * The label of an enum value in `lang`. A value outside the vocabulary (an older or newer
 * collector, a custom severity) is shown as it came, never hidden.
 */
export function enumLabel(lang: Lang, kind: EnumKind, value: string): string {
  const m = MESSAGES[lang];
  let label: string | undefined;
  switch (kind) {
    case 'status':
      label = Object.hasOwn(m, `status.${value}`) ? m[`status.${value as Status}`] : undefined;
      break;
    case 'failure_category':
      label = Object.hasOwn(m, `failure.${value}`) ? m[`failure.${value as FailureCategory}`] : undefined;
      break;
    case 'method':
      label = fromTable(METHOD, lang, value);
      break;
    case 'channel':
      label = fromTable(CHANNEL, lang, value);
      break;
    case 'card_funding':
      label = fromTable(CARD_FUNDING, lang, value);
      break;
    case 'card_wallet':
      label = fromTable(CARD_WALLET, lang, value);
      break;
    case 'source':
      label = fromTable(SOURCE, lang, value);
      break;
    case 'alert_state':
      label = fromTable(ALERT_STATE, lang, value);
      break;
    case 'alert_severity':
      label = fromTable(ALERT_SEVERITY, lang, value);
      break;
    case 'provider':
    case 'card_brand':
      label = fromTable(OTHER, lang, value); // proper names stay; only 'other' is a word
      break;
  }
  return label ?? value;
}

const DIMENSION_KIND: Partial<Record<Dimension, EnumKind>> = {
  provider: 'provider',
  method: 'method',
  channel: 'channel',
  status: 'status',
  failure_category: 'failure_category',
  card_brand: 'card_brand',
  card_wallet: 'card_wallet',
};

/** The label of a value of a query dimension (a group key, a filter value); free-form dimensions as is. */
export function dimensionValueLabel(lang: Lang, dim: Dimension, value: string): string {
  const kind = DIMENSION_KIND[dim];
  return kind ? enumLabel(lang, kind, value) : value;
}
