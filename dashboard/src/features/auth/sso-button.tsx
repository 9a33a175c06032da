import { useEffect, useState } from 'react';
import { z } from 'zod';
import { requestJson } from '../../api/http.js';
import { useI18n } from '../../i18n/index.js';

/** `GET /api/auth/providers` (collector/src/auth/auth.routes.ts). */
const ProvidersSchema = z.object({
  password: z.boolean(),
  oidc: z.object({ login_url: z.string() }).nullable(),
});

const LABEL: Record<string, string> = { en: 'Sign in with single sign-on', 'zh-CN': '使用单点登录' };

/** A "Sign in with single sign-on" link on the sign-in page, shown only when the collector has OIDC configured. */
export function SsoButton() {
  const { lang } = useI18n();
  const [loginUrl, setLoginUrl] = useState<string | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    requestJson('/api/auth/providers', ProvidersSchema, { signal: ctrl.signal, quiet401: true }).then(
      (p) => setLoginUrl(p.oidc?.login_url ?? null),
      () => setLoginUrl(null), // an older collector without the route: password only
    );
    return () => ctrl.abort();
  }, []);
  if (!loginUrl) return null;
  return (
    <a className="button sso" href={loginUrl} data-testid="sso-login">
      {LABEL[lang] ?? LABEL.en}
    </a>
  );
}
