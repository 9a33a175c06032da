// Guards the enum labels: every canonical value in contracts/src/enums.ts has an English and a Chinese label, so a new enum value cannot ship untranslated.
import {
  CARD_BRANDS,
  CARD_FUNDING,
  CARD_WALLETS,
  CHANNELS,
  FAILURE_CATEGORIES,
  METHODS,
  PROVIDERS,
  SOURCES,
  STATUSES,
} from '@paywatch/contracts';
import { describe, expect, it } from 'vitest';
import { ALERT_SEVERITIES, ALERT_STATES, dimensionValueLabel, enumLabel, type EnumKind } from './index.js';

const HAN = /\p{Script=Han}/u;

/** Vocabularies whose values are words and must read as Chinese in the Chinese UI. */
const TRANSLATED: [EnumKind, readonly string[]][] = [
  ['method', METHODS],
  ['channel', CHANNELS],
  ['status', STATUSES],
  ['failure_category', FAILURE_CATEGORIES],
  ['card_funding', CARD_FUNDING],
  ['card_wallet', CARD_WALLETS],
  ['source', SOURCES],
  ['alert_state', ALERT_STATES],
  ['alert_severity', ALERT_SEVERITIES],
];

/** Brand and wallet names kept as they are in Chinese (proper names). */
const PROPER_NAMES = new Set(['Apple Pay', 'Google Pay', 'Samsung Pay']);

describe('enum labels', () => {
  it.each(TRANSLATED)('every %s value has an English label and a Chinese one', (kind, values) => {
    const missing: string[] = [];
    for (const v of values) {
      const en = enumLabel('en', kind, v);
      const zh = enumLabel('zh-CN', kind, v);
      if (en === v && /_/.test(v)) missing.push(`en ${kind}.${v}`); // a raw id, not a label
      if (!PROPER_NAMES.has(zh) && !HAN.test(zh)) missing.push(`zh-CN ${kind}.${v} = ${zh}`);
    }
    expect(missing).toEqual([]);
  });

  it('keeps provider and card brand names, translating only "other"', () => {
    for (const p of PROVIDERS.filter((p) => p !== 'other')) expect(enumLabel('zh-CN', 'provider', p)).toBe(p);
    for (const b of CARD_BRANDS.filter((b) => b !== 'other'))
      expect(enumLabel('zh-CN', 'card_brand', b)).toBe(b);
    expect(enumLabel('zh-CN', 'provider', 'other')).toBe('其他');
    expect(enumLabel('zh-CN', 'card_brand', 'other')).toBe('其他');
  });

  it('uses the standard Chinese payment terms', () => {
    expect(enumLabel('zh-CN', 'status', 'succeeded')).toBe('成功');
    expect(enumLabel('zh-CN', 'status', 'failed')).toBe('失败');
    expect(enumLabel('zh-CN', 'status', 'pending')).toBe('处理中');
    expect(enumLabel('zh-CN', 'status', 'refunded')).toBe('已退款');
    expect(enumLabel('zh-CN', 'method', 'card')).toBe('银行卡');
    expect(enumLabel('zh-CN', 'method', 'alipay')).toBe('支付宝');
    expect(enumLabel('zh-CN', 'method', 'wechat_pay')).toBe('微信支付');
    expect(enumLabel('zh-CN', 'alert_state', 'firing')).toBe('触发中');
    expect(enumLabel('en', 'method', 'wechat_pay')).toBe('WeChat Pay');
  });

  it('shows an unknown value as it came, and free-form dimensions as is', () => {
    expect(enumLabel('zh-CN', 'alert_severity', 'sev9')).toBe('sev9');
    expect(enumLabel('zh-CN', 'method', 'toString')).toBe('toString');
    expect(enumLabel('zh-CN', 'status', 'hasOwnProperty')).toBe('hasOwnProperty');
    expect(dimensionValueLabel('zh-CN', 'method', 'alipay')).toBe('支付宝');
    expect(dimensionValueLabel('zh-CN', 'country', 'CN')).toBe('CN');
    expect(dimensionValueLabel('zh-CN', 'merchant_id', 'other')).toBe('other');
  });
});
