import { DIMENSIONS, type Dimension } from '@paywatch/contracts';
import type { Alert } from '../../api/index.js';
import { dimensionValueLabel, translate, type Lang, type MessageKey } from '../../i18n/index.js';

// How the alert pages name an alert's labels and its contributing dimensions for people:
// "Failure category: Provider error", "BIN: small BINs pooled" — not the engine's keys
// (`failure_category=provider_error`, `bin=_pooled`). Silences, URLs and the API keep the keys.

/** The label value of a pooled dimension (alerts/src/engine/pooling.ts). */
export const POOLED = '_pooled';

/** Alert label names that are read-API dimensions under another name. */
const LABEL_ALIASES: Record<string, Dimension> = {
  bin: 'card_bin',
  issuer_country: 'card_issuer_country',
  merchant: 'merchant_id',
};

/** Label names of the engine that are no query dimension (fraud rules, the rule itself). */
const OTHER_LABELS: Record<string, MessageKey> = {
  alertname: 'alerts.rule',
  customer_ref: 'label.customer_ref',
  device_ref: 'label.device_ref',
  ip_ref: 'label.ip_ref',
  limit: 'label.limit',
};

const LIMIT_VALUES: Record<string, MessageKey> = {
  per_transaction: 'label.limit.per_transaction',
  daily: 'label.limit.daily',
};

/** The read-API dimension an alert label names (`bin` → `card_bin`), if any. */
export function labelDimension(name: string): Dimension | undefined {
  return (DIMENSIONS as readonly string[]).includes(name) ? (name as Dimension) : LABEL_ALIASES[name];
}

/** A label's name for people: "Issuer country" / "发卡国家"; an unknown label as is. */
export function labelName(lang: Lang, name: string): string {
  const dim = labelDimension(name);
  if (dim) return translate(lang, `dim.${dim}`);
  const key = OTHER_LABELS[name];
  return key ? translate(lang, key) : name;
}

const regions = new Map<Lang, Intl.DisplayNames | null>();
function regionName(lang: Lang, code: string): string | undefined {
  if (!regions.has(lang)) {
    try {
      regions.set(lang, new Intl.DisplayNames([lang], { type: 'region' }));
    } catch {
      regions.set(lang, null);
    }
  }
  try {
    const name = regions.get(lang)?.of(code);
    return name && name !== code ? name : undefined;
  } catch {
    return undefined; // not a region code
  }
}

/**
 * A label's value for people: a pooled slice as "small ones pooled" (小流量合并), enum values by
 * their label (method, status, failure category…), countries by name with their code ("Canada
 * (CA)"); ids, BINs and providers as they are.
 */
export function labelValue(lang: Lang, name: string, value: string): string {
  if (value === POOLED) return translate(lang, 'alerts.pooled');
  const dim = labelDimension(name);
  if (dim === 'country' || dim === 'card_issuer_country') {
    const region = /^[A-Z]{2}$/.test(value) ? regionName(lang, value) : undefined;
    return region ? `${region} (${value})` : value;
  }
  if (dim) return dimensionValueLabel(lang, dim, value);
  const key = name === 'limit' ? LIMIT_VALUES[value] : undefined;
  return key ? translate(lang, key) : value;
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

/** What an alert's contributor figures are (alert-series.ts `contributorKind`). */
export type ContributorKind = 'points' | 'failures' | 'declined';

/**
 * One contributing dimension as people read it: "Failure category: Provider error · 20
 * failures", "Provider: adyen · 20 more failures than its share of attempts" (with `help`
 * saying why it is an estimate), "+55.3 pp" for a decline-mix shift, "39 declined" for card
 * testing. The engine's figure for a dimension value is its *excess* failures — failures beyond
 * what its share of the attempts explains at the slice's failure rate (alerts/src/detect/types.ts
 * `topContributors`), a fraction such as 19.7 — shown rounded to whole payments ("<1" below one
 * half); a failure category's is a count.
 */
export function contributorText(
  lang: Lang,
  c: { key: string; value: number },
  kind: ContributorKind,
  number: (n: number, digits?: number) => string,
): { name: string; value: string; figure: string; help: string | null; raw: string } {
  const eq = c.key.indexOf('=');
  const dim = eq < 0 ? '' : c.key.slice(0, eq);
  const v = eq < 0 ? c.key : c.key.slice(eq + 1);
  const name = dim ? labelName(lang, dim) : '';
  const value = dim ? labelValue(lang, dim, v) : v;
  const whole = (n: number) => (n > 0 && Math.round(n) === 0 ? '<1' : number(Math.round(n)));
  let figure: string;
  let help: string | null = null;
  if (kind === 'points')
    figure = translate(lang, 'trends.deltaPoints', { value: `+${number(c.value * 100, 1)}` });
  else if (kind === 'declined') figure = translate(lang, 'alerts.contribDeclined', { n: whole(c.value) });
  else if (dim === 'failure_category') figure = translate(lang, 'alerts.contribCount', { n: whole(c.value) });
  else {
    figure = translate(lang, 'alerts.contribExcess', { n: whole(c.value) });
    help = translate(lang, 'alerts.contribExcessHelp', { value: number(c.value, 1) });
  }
  return { name, value, figure, help, raw: c.key };
}
