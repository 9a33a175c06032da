// Guards what each role sees in the dashboard: viewers no transactions, analysts no alert actions, on-call acts, keys map to roles.
import { describe, expect, it } from 'vitest';
import { can, capabilityOfPath, effectiveRole, type Caller } from './permissions.js';

const user = (role: string): Caller => ({ kind: 'user', role, scopes: [] });

describe('dashboard permissions', () => {
  it('follows the role ladder', () => {
    expect(can(user('viewer'), 'trends')).toBe(true);
    expect(can(user('viewer'), 'transactions')).toBe(false);
    expect(can(user('viewer'), 'export')).toBe(false);
    expect(can(user('analyst'), 'transactions')).toBe(true);
    expect(can(user('analyst'), 'alerts.act')).toBe(false);
    expect(can(user('oncall'), 'alerts.act')).toBe(true);
    expect(can(user('oncall'), 'admin')).toBe(false);
    expect(can(user('admin'), 'admin')).toBe(true);
    expect(can(user('superuser'), 'live')).toBe(false); // unknown role: nothing
  });

  it('maps API key scopes to roles and opens everything without access control', () => {
    expect(effectiveRole({ kind: 'key', role: null, scopes: ['read'] })).toBe('analyst');
    expect(effectiveRole({ kind: 'key', role: null, scopes: ['ingest'] })).toBeNull();
    // The collector's oncall scope (02e14fe) acts as an on-call user: acknowledge and silence, no admin.
    expect(effectiveRole({ kind: 'key', role: null, scopes: ['oncall', 'read'] })).toBe('oncall');
    expect(can({ kind: 'key', role: null, scopes: ['oncall'] }, 'alerts.act')).toBe(true);
    expect(can({ kind: 'key', role: null, scopes: ['oncall'] }, 'admin')).toBe(false);
    expect(can({ kind: 'key', role: null, scopes: ['ingest'] }, 'live')).toBe(false);
    expect(can('open', 'admin')).toBe(true);
  });

  it('knows which pages need which capability', () => {
    expect(capabilityOfPath('/payments/pay_1')).toBe('transactions');
    expect(capabilityOfPath('/transactions')).toBe('transactions');
    expect(capabilityOfPath('/alerts/a1')).toBe('alerts');
    expect(capabilityOfPath('/live')).toBe('live');
  });
});
