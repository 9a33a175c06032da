// @vitest-environment jsdom
// Guards the alert actions against a changed alert: an alert silenced from the dashboard can be un-silenced there (also when a silence has already ended: 409), the Silenced mark leads to the silences page, acknowledging an alert that resolved meanwhile (409) says so in the UI language and refreshes it; and an acknowledgement takes a reason, shows it with who acknowledged, and can be withdrawn by an on-call (a 409 said in a sentence, not the raw error), in English and Chinese; the reason field opens empty (Escape closes it, a withdrawn acknowledgement's reason is not reused).
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../api/index.js';
import { SessionProvider, type Session } from '../../app/session.js';
import { I18nProvider, type Lang } from '../../i18n/index.js';
import { AlertActions } from './alert-actions.js';

const silenced: Alert = {
  id: 'a1',
  rule: 'card_testing',
  state: 'firing',
  severity: 'page',
  labels: { alertname: 'card_testing', bin: '453201' },
  summary: 'Card testing suspected on BIN 453201',
  started_at: Date.UTC(2026, 10, 26, 21, 38),
  resolved_at: null,
  value: 473,
  expected: { low: null, high: 15, value: 15 },
  revenue_at_risk: 0,
  reporting_currency: 'USD',
  acknowledged: { by: 'admin', at: Date.UTC(2026, 10, 26, 21, 40) },
  silenced: true,
  silencedBy: ['s1', 's2'],
  inhibitedBy: null,
  flapping: false,
  recovering: null,
  samples: [],
  contributors: [],
};

/** DELETE /api/v1/silences/:id as alerts.router.ts answers it: 204, or 409 once the silence has ended. */
function fakeSilences(expired: Set<string>) {
  const calls: string[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://collector');
    calls.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    const id = decodeURIComponent(url.pathname.replace('/api/v1/silences/', ''));
    if (init?.method !== 'DELETE' || !url.pathname.startsWith('/api/v1/silences/'))
      return Promise.resolve(new Response('{}', { status: 404 }));
    if (expired.has(id))
      return Promise.resolve(
        new Response(
          JSON.stringify({ error: { code: 'conflict', message: `silence ${id} already expired at …` } }),
          { status: 409, headers: { 'content-type': 'application/json' } },
        ),
      );
    expired.add(id);
    return Promise.resolve(new Response(null, { status: 204 }));
  };
  return { fetch, calls };
}

const show = (lang: Lang, onChanged: () => void) =>
  render(
    <I18nProvider lang={lang}>
      <SessionProvider initial={{ kind: 'open' }}>
        <AlertActions alert={silenced} onChanged={onChanged} />
      </SessionProvider>
    </I18nProvider>,
  );

describe('AlertActions on a silenced alert', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('expires every silence muting it, and refreshes the alert', async () => {
    const api = fakeSilences(new Set());
    vi.stubGlobal('fetch', api.fetch);
    const onChanged = vi.fn();
    show('en', onChanged);
    // The mark leads to the silences page (who silenced it, why, until when).
    expect(screen.getByRole('link', { name: 'Silenced' }).getAttribute('href')).toBe('/silences');
    fireEvent.click(screen.getByRole('button', { name: 'Expire silence' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.calls).toEqual(['DELETE /api/v1/silences/s1', 'DELETE /api/v1/silences/s2']);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('takes a silence that has already ended (409) as done, in Chinese too', async () => {
    const api = fakeSilences(new Set(['s1']));
    vi.stubGlobal('fetch', api.fetch);
    const onChanged = vi.fn();
    show('zh-CN', onChanged);
    fireEvent.click(screen.getByRole('button', { name: '解除静默' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.calls).toEqual(['DELETE /api/v1/silences/s1', 'DELETE /api/v1/silences/s2']);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('AlertActions on an alert that resolved since the page showed it', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  const firing: Alert = { ...silenced, acknowledged: null, silenced: false, silencedBy: [] };
  /** POST /api/v1/alerts/:id/ack as alerts.router.ts answers it for a resolved alert. */
  const resolvedAck = () => {
    const calls: string[] = [];
    const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(String(input), 'http://collector');
      calls.push(`${init?.method ?? 'GET'} ${url.pathname}`);
      return Promise.resolve(
        new Response(
          JSON.stringify({
            error: {
              code: 'conflict',
              message: 'alert a1 is resolved: only a pending or firing alert can be acknowledged',
            },
          }),
          { status: 409, headers: { 'content-type': 'application/json' } },
        ),
      );
    };
    return { fetch, calls };
  };

  it.each([
    ['en', 'Acknowledge', 'This alert has resolved meanwhile: nothing to acknowledge.'],
    ['zh-CN', '确认', '该告警已恢复，无需确认。'],
  ] as const)('%s: says it resolved and refreshes the alert (409)', async (lang, button, said) => {
    const api = resolvedAck();
    vi.stubGlobal('fetch', api.fetch);
    const onChanged = vi.fn();
    render(
      <I18nProvider lang={lang}>
        <SessionProvider initial={{ kind: 'open' }}>
          <AlertActions alert={firing} onChanged={onChanged} />
        </SessionProvider>
      </I18nProvider>,
    );
    // The button opens the reason field; the form's own button sends it (no reason given).
    fireEvent.click(screen.getByRole('button', { name: button }));
    fireEvent.click(screen.getByRole('button', { name: button }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.calls).toEqual(['POST /api/v1/alerts/a1/ack']);
    expect(screen.getByRole('status').textContent).toBe(said);
    expect(screen.queryByText(/only a pending or firing alert/)).toBeNull();
  });
});

describe('AlertActions: acknowledgement reason and withdrawal', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  const firing: Alert = { ...silenced, acknowledged: null, silenced: false, silencedBy: [] };
  const acked: Alert = {
    ...firing,
    acknowledged: {
      by: 'li.wei',
      at: Date.UTC(2026, 10, 26, 21, 40),
      reason: 'rolling back the adyen config',
    },
  };
  /** /api/v1/alerts/:id/ack as alerts.router.ts answers it: the alert, or 409 with its own message. */
  const ackApi = (status = 200) => {
    const calls: { call: string; body: unknown }[] = [];
    const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(String(input), 'http://collector');
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : null;
      calls.push({ call: `${init?.method ?? 'GET'} ${url.pathname}`, body });
      return Promise.resolve(
        status === 409
          ? new Response(
              JSON.stringify({
                error: { code: 'conflict', message: 'alert a1 is not acknowledged: nothing to withdraw' },
              }),
              { status: 409, headers: { 'content-type': 'application/json' } },
            )
          : new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }),
      );
    };
    return { fetch, calls };
  };
  const show = (alert: Alert, lang: Lang, onChanged: () => void, session: Session = { kind: 'open' }) =>
    render(
      <I18nProvider lang={lang}>
        <SessionProvider initial={session}>
          <AlertActions alert={alert} onChanged={onChanged} />
        </SessionProvider>
      </I18nProvider>,
    );

  it.each([
    ['en', 'Acknowledge', 'Reason (optional)'],
    ['zh-CN', '确认', '原因（可选）'],
  ] as const)('%s: acknowledges with the reason typed', async (lang, button, field) => {
    const api = ackApi();
    vi.stubGlobal('fetch', api.fetch);
    const onChanged = vi.fn();
    show(firing, lang, onChanged);
    fireEvent.click(screen.getByRole('button', { name: button }));
    fireEvent.change(screen.getByRole('textbox', { name: field }), {
      target: { value: '  rolling back the adyen config ' },
    });
    fireEvent.click(screen.getByRole('button', { name: button }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.calls).toEqual([
      {
        call: 'POST /api/v1/alerts/a1/ack',
        body: { by: 'dashboard', reason: 'rolling back the adyen config' },
      },
    ]);
  });

  it.each([
    ['en', 'Acknowledged by li.wei: rolling back the adyen config', 'Withdraw acknowledgement'],
    ['zh-CN', '已由 li.wei 确认：rolling back the adyen config', '撤销确认'],
  ] as const)('%s: shows the reason with who acknowledged, and withdraws it', async (lang, said, button) => {
    const api = ackApi();
    vi.stubGlobal('fetch', api.fetch);
    const onChanged = vi.fn();
    const { container } = show(acked, lang, onChanged);
    expect(container.querySelector('.ack-by')?.textContent).toBe(said);
    fireEvent.click(screen.getByRole('button', { name: button }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.calls).toEqual([{ call: 'DELETE /api/v1/alerts/a1/ack', body: null }]);
  });

  it.each([
    ['en', 'Withdraw acknowledgement', 'Nothing to withdraw: it is no longer acknowledged'],
    ['zh-CN', '撤销确认', '无需撤销：该告警已不在确认状态'],
  ] as const)(
    '%s: says in a sentence when there was nothing to withdraw (409)',
    async (lang, button, said) => {
      vi.stubGlobal('fetch', ackApi(409).fetch);
      const onChanged = vi.fn();
      show(acked, lang, onChanged);
      fireEvent.click(screen.getByRole('button', { name: button }));
      await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
      expect(screen.getByRole('status').textContent).toContain(said);
      expect(screen.queryByRole('alert')).toBeNull();
      expect(screen.queryByText(/nothing to withdraw$/)).toBeNull();
    },
  );

  it('opens the reason field empty again after an acknowledgement was withdrawn', async () => {
    // The same row (alerts list, alert page) lives through ack → withdraw → ack: the next
    // acknowledgement must not carry the previous one's reason unseen.
    const api = ackApi();
    vi.stubGlobal('fetch', api.fetch);
    const onChanged = vi.fn();
    const ui = (a: Alert) => (
      <I18nProvider lang="en">
        <SessionProvider initial={{ kind: 'open' }}>
          <AlertActions alert={a} onChanged={onChanged} />
        </SessionProvider>
      </I18nProvider>
    );
    const { rerender } = render(ui(firing));
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Reason (optional)' }), {
      target: { value: 'rolling back the adyen config' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    rerender(ui(acked));
    rerender(ui(firing));
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    expect((screen.getByRole('textbox', { name: 'Reason (optional)' }) as HTMLInputElement).value).toBe('');
  });

  it('closes the reason field on Escape, discarding what was typed; Enter sends it', async () => {
    const api = ackApi();
    vi.stubGlobal('fetch', api.fetch);
    const onChanged = vi.fn();
    show(firing, 'en', onChanged);
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    const field = () => screen.getByRole('textbox', { name: 'Reason (optional)' });
    fireEvent.change(field(), { target: { value: 'not this one' } });
    fireEvent.keyDown(field(), { key: 'Escape' });
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(api.calls).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    expect((field() as HTMLInputElement).value).toBe('');
    fireEvent.change(field(), { target: { value: 'rollback' } });
    fireEvent.submit(field());
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.calls).toEqual([
      { call: 'POST /api/v1/alerts/a1/ack', body: { by: 'dashboard', reason: 'rollback' } },
    ]);
  });

  it('offers no withdrawal to a role that may not act on alerts (an analyst)', () => {
    const analyst: Session = {
      kind: 'signed-in',
      me: { kind: 'user', name: 'u', role: 'analyst', scopes: [], csrf_token: 'x' } as never,
    };
    show(acked, 'en', vi.fn(), analyst);
    expect(screen.queryByRole('button')).toBeNull();
    const oncall: Session = {
      ...analyst,
      me: { ...(analyst as { me: object }).me, role: 'oncall' } as never,
    };
    cleanup();
    show(acked, 'en', vi.fn(), oncall);
    expect(screen.getByRole('button', { name: 'Withdraw acknowledgement' })).toBeTruthy();
  });
});
