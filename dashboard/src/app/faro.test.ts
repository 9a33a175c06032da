// Guards the Faro gate: beacons only when the collector's receiver takes them (or a collector without access control), never while signed out.
import { describe, expect, it } from 'vitest';
import type { Me } from '../api/index.js';
import { faroWanted } from './faro.js';

const me = (over: Partial<Me> = {}): Me => ({
  kind: 'user',
  name: 'ana',
  role: 'analyst',
  scopes: [],
  csrf_token: 't',
  ...over,
});

describe('faroWanted', () => {
  it('sends when the signed-in session says the receiver accepts this page', () => {
    expect(faroWanted({ kind: 'signed-in', me: me({ faro_receiver: true }) })).toBe(true);
  });
  it('does not send when the receiver is off or refuses this origin, or the collector does not say', () => {
    expect(faroWanted({ kind: 'signed-in', me: me({ faro_receiver: false }) })).toBe(false);
    expect(faroWanted({ kind: 'signed-in', me: me() })).toBe(false);
  });
  it('does not send before the session is known or while signed out', () => {
    expect(faroWanted({ kind: 'checking' })).toBe(false);
    expect(faroWanted({ kind: 'anonymous' })).toBe(false);
  });
  it('sends on a collector without access control (it has no /api/auth/me to ask)', () => {
    expect(faroWanted({ kind: 'open' })).toBe(true);
  });
});
