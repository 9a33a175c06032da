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

/** Sign-in, sign-out and "who am I"; keeps the CSRF token for later state changes. */
export const sessionApi = {
  async me(signal?: AbortSignal): Promise<Me> {
    const me = await requestJson('/api/auth/me', MeSchema, { signal, quiet401: true });
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
