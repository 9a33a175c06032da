/**
 * Signs a test's own HTTP client in with a password, as the dashboard does: the session cookie
 * (`name=value`), its CSRF token and the whole login answer. Throws (with the status and body)
 * unless the login answers 200. The one password sign-in of the collector's and the dashboard's
 * integration tests and the web bench (dashboard/e2e/collector-process.ts re-exports it).
 */
export async function signIn(
  base: string,
  username: string,
  password: string,
): Promise<{ cookie: string; csrfToken: string; login: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${await res.text()}`);
  const login = (await res.json()) as { csrf_token: string } & Record<string, unknown>;
  return {
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    csrfToken: login.csrf_token,
    login,
  };
}
