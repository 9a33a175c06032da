import { z } from 'zod';
import { requestJson, setCsrfToken } from './http.js';

/** `GET /api/auth/me` and `POST /api/auth/login` (collector/src/auth/auth.routes.ts). */
export const MeSchema = z.object({
  kind: z.enum(['user', 'key']),
  name: z.string(),
  role: z.string().nullable(),
  scopes: z.array(z.string()),
  csrf_token: z.string().nullable(),
  /** The collector's Faro receiver accepts this page's beacons (absent on older collectors: no). */
  faro_receiver: z.boolean().optional(),
});
export type Me = z.infer<typeof MeSchema>;
/** `GET /api/auth/me` when nobody is signed in (200, so a fresh page load logs no failed request). */
const AnonymousSchema = z.object({ kind: z.literal('anonymous') });

/** Sign-in, sign-out and "who am I"; keeps the CSRF token for later state changes. */
export const sessionApi = {
  /** The signed-in caller, or null when nobody is (older collectors answer that with 401). */
  async me(signal?: AbortSignal): Promise<Me | null> {
    const me = await requestJson('/api/auth/me', z.union([MeSchema, AnonymousSchema]), {
      signal,
      quiet401: true,
    });
    if (me.kind === 'anonymous') {
      setCsrfToken(null);
      return null;
    }
    setCsrfToken(me.csrf_token);
    return me;
  },
  async login(username: string, password: string): Promise<Me> {
    const me = await requestJson('/api/auth/login', MeSchema, {
      method: 'POST',
      body: { username, password },
      quiet401: true,
    });
    setCsrfToken(me.csrf_token);
    return me;
  },
  async logout(): Promise<void> {
    await requestJson('/api/auth/logout', z.unknown(), { method: 'POST' });
    setCsrfToken(null);
  },
};
