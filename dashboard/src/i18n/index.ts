export { I18nProvider, useI18n, translate, initialLang, LANG_STORAGE_KEY } from './i18n.js';
export type { I18n } from './i18n.js';
export { formatterFor, joinSentences } from './format.js';
export type { Formatter } from './format.js';
export { LANGS, MESSAGES } from './messages.js';
export type { Lang, MessageKey } from './messages.js';
export { enumLabel, dimensionValueLabel, ALERT_STATES, ALERT_SEVERITIES } from './enum-labels.js';
export type { EnumKind } from './enum-labels.js';
