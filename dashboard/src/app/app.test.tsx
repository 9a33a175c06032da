// @vitest-environment jsdom
// Guards the header's signed-in user: the role is named in the UI language (the Chinese header read "analyst (analyst)").
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider, type Lang } from '../i18n/index.js';
import { App } from './app.js';
import { SessionProvider } from './session.js';

const me = (role: string) => ({ kind: 'user' as const, name: 'mei', role, scopes: [], csrf_token: 'x' });

describe('header user', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  const header = (lang: Lang, role: string) => {
    // The funnel page asks its route; its answer does not matter here.
    vi.stubGlobal('fetch', () => Promise.resolve(new Response('{}', { status: 404 })));
    history.replaceState(null, '', '/funnel');
    render(
      <I18nProvider lang={lang}>
        <SessionProvider initial={{ kind: 'signed-in', me: me(role) }}>
          <App />
        </SessionProvider>
      </I18nProvider>,
    );
    const text = screen.getByTestId('user').textContent ?? '';
    cleanup();
    return text;
  };

  it('names the role in the UI language', () => {
    expect(header('zh-CN', 'analyst')).toMatch(/^mei \(分析师\)/);
    expect(header('zh-CN', 'oncall')).toMatch(/^mei \(值班\)/);
    expect(header('en', 'oncall')).toMatch(/^mei \(on-call\)/);
    // A role this dashboard does not know is shown as the collector names it.
    expect(header('zh-CN', 'auditor')).toMatch(/^mei \(auditor\)/);
  });
});
