// @vitest-environment jsdom
// Guards the alert's delivery table in Chinese: why each notification went out (a reminder, an escalation) and its outcome, unknown values shown as they came.
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryListSchema } from '../../api/alerts-api.js';
import { I18nProvider } from '../../i18n/index.js';
import { DeliveryTable } from './delivery-table.js';

describe('DeliveryTable', () => {
  afterEach(cleanup);

  it('says in Chinese why each notification was sent and whether it arrived', () => {
    // Records as GET /api/v1/alerts-deliveries sends them (alerts/src/notify/delivery-log.ts).
    const rec = (id: number, reason: string, status: string, error: string | null = null) => ({
      id,
      at: Date.UTC(2026, 0, 1, 14, id),
      receiver: 'oncall',
      channel: 'dingtalk',
      target: 'oapi.dingtalk.com',
      group_key: '{}:{provider="adyen"}',
      reason,
      alert_ids: ['a1'],
      status,
      attempts: 1,
      error,
      duration_ms: 80,
      fallback_for: null,
    });
    const { items } = DeliveryListSchema.parse({
      items: [
        rec(1, 'new', 'sent'),
        rec(2, 'repeat', 'sent'),
        rec(3, 'escalation', 'failed', 'HTTP 500'),
        rec(4, 'resend', 'queued'),
        // The Alertmanager keep-alive (cff4e50) was shown as the raw 'refresh'.
        rec(5, 'refresh', 'sent'),
      ],
    });
    render(
      <I18nProvider lang="zh-CN">
        <DeliveryTable deliveries={items} />
      </I18nProvider>,
    );
    const rows = screen.getAllByRole('row').slice(1);
    const cells = (i: number) =>
      within(rows[i]!)
        .getAllByRole('cell')
        .map((c) => c.textContent);
    expect(cells(0).slice(3, 5)).toEqual(['新告警', '已发送']);
    expect(cells(1).slice(3, 5)).toEqual(['提醒', '已发送']);
    expect(cells(2).slice(3, 5)).toEqual(['升级', '发送失败']);
    expect(cells(3).slice(3, 5)).toEqual(['resend', 'queued']);
    expect(cells(4).slice(3, 5)).toEqual(['保活刷新', '已发送']);
    expect(screen.getByRole('columnheader', { name: '原因' })).toBeTruthy();
  });
});
