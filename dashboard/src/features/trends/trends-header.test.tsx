// @vitest-environment jsdom
// Guards the trends chart header's composition: zone, drill hint (analysts only) and UTC-bucket note as separate, properly joined sentences in en and zh.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionProvider, type Session } from '../../app/session.js';
import { formatterFor, I18nProvider, type Lang } from '../../i18n/index.js';
import { TrendsRangeNote } from './trends-header.js';

const me = (role: string): Session => ({
  kind: 'signed-in',
  me: { kind: 'user', name: 'u', role, scopes: [], csrf_token: 'x' },
});
const from = Date.UTC(2026, 10, 20);
const to = Date.UTC(2026, 10, 27);

/** The header as `role` reads it in `lang`, a week of 1d buckets in UTC (05:30 in Kolkata, or no note). */
function header(lang: Lang, role: string, utcStart: number | null = 330): string {
  render(
    <I18nProvider lang={lang}>
      <SessionProvider initial={me(role)}>
        <TrendsRangeNote
          from={from}
          to={to}
          bucket="1d"
          zone="UTC"
          utcStart={utcStart}
          fmt={formatterFor(lang, 'UTC')}
        />
      </SessionProvider>
    </I18nProvider>,
  );
  const text = screen.getByTestId('range-note').textContent ?? '';
  cleanup();
  return text;
}

afterEach(cleanup);

describe('TrendsRangeNote', () => {
  it('separates the zone from the next sentence for a viewer (no drill hint)', () => {
    const range = `${formatterFor('en', 'UTC').dateTime(from)} – ${formatterFor('en', 'UTC').dateTime(to)}`;
    expect(header('en', 'viewer')).toBe(
      `${range} · 1d · Times and days in UTC · 1d buckets start at 00:00 UTC, 05:30 your time.`,
    );
    expect(header('zh-CN', 'viewer')).toMatch(
      / · 时间与日期按 UTC · 1d 分桶从 UTC 00:00 开始，即您当地时间 05:30。$/,
    );
    // Nothing to add: the line ends with the zone (no dangling separator).
    expect(header('en', 'viewer', null)).toMatch(/ · Times and days in UTC$/);
  });

  it('joins the drill hint and the UTC note as sentences for an analyst: a space in English, none after "。"', () => {
    expect(header('en', 'analyst')).toMatch(
      / · Times and days in UTC · Click a point or bar \(or a table cell\) to list its transactions\. 1d buckets start at 00:00 UTC, 05:30 your time\.$/,
    );
    const zh = header('zh-CN', 'analyst');
    expect(zh).toMatch(
      / · 时间与日期按 UTC · 点击数据点或柱（或表格单元格）查看对应交易。1d 分桶从 UTC 00:00 开始，即您当地时间 05:30。$/,
    );
    expect(zh).not.toMatch(/。 /);
  });
});
