import {
  contributorText as sharedContributorText,
  labelName as sharedLabelName,
  labelValue as sharedLabelValue,
  POOLED,
  type ContributorKind,
  type ContributorText,
  type SummaryLocale,
} from '@paywatch/contracts';
import type { Alert } from '../../api/index.js';
import type { Lang } from '../../i18n/index.js';

// How the alert pages name an alert's labels and its contributing dimensions for people:
// "Failure category: Provider error", "BIN: small BINs pooled" — not the engine's keys
// (`failure_category=provider_error`, `bin=_pooled`). The names are contracts' (alert-labels.ts),
// which the chat and email messages read too. Silences, URLs and the API keep the keys.

/** The contracts' locale (summaries, label names) of a UI language. */
export const locale = (lang: Lang): SummaryLocale => (lang === 'zh-CN' ? 'zh' : 'en');

/** A label's name for people: "Issuer country" / "发卡国家"; an unknown label as is. */
export function labelName(lang: Lang, name: string): string {
  return sharedLabelName(locale(lang), name);
}

/**
 * A label's value for people: a pooled slice as "small ones pooled" (小流量合并), enum values by
 * their label (method, status, failure category…), countries by name with their code ("Canada
 * (CA)"); ids, BINs and providers as they are.
 */
export function labelValue(lang: Lang, name: string, value: string): string {
  return sharedLabelValue(locale(lang), name, value);
}

/** One label as people read it, with the `name=value` the engine matches on (for a tooltip). */
export interface ShownLabel {
  name: string;
  value: string;
  /** `name=value` as the engine, silences and URLs have it. */
  raw: string;
  pooled: boolean;
}

/** An alert's labels for people, leaving out `omit`. */
export function shownLabels(lang: Lang, labels: Alert['labels'], omit: readonly string[] = []): ShownLabel[] {
  return Object.entries(labels)
    .filter(([k]) => !omit.includes(k))
    .map(([k, v]) => ({
      name: labelName(lang, k),
      value: labelValue(lang, k, v),
      raw: `${k}=${v}`,
      pooled: v === POOLED,
    }));
}

/**
 * One contributing dimension as people read it (contracts' `contributorText`, which the chat and
 * email messages use too): "Failure category: Provider error · 20 failures", "Provider: adyen · 20
 * more failures than its share of attempts" (with `help` saying why it is an estimate), "+55.3 pp"
 * for a decline-mix shift, "39 declined" for card testing; numbers in the page's format.
 */
export function contributorText(
  lang: Lang,
  c: { key: string; value: number },
  kind: ContributorKind,
  number: (n: number, digits?: number) => string,
): ContributorText {
  return sharedContributorText(locale(lang), c, kind, number);
}
