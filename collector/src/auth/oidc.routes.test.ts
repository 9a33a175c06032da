// Guards the mapping of OIDC groups to roles: the highest mapped role wins, the default applies only without a match, no default refuses.
import { expect, it } from 'vitest';
import { roleOfGroups } from './oidc.routes.js';

const roleMap = [
  { group: 'ops', role: 'oncall' as const },
  { group: 'finance', role: 'analyst' as const },
  { group: 'platform-admins', role: 'admin' as const },
];

it('maps groups to the highest role, else the default, else refuses', () => {
  expect(roleOfGroups(['finance', 'ops'], { roleMap, defaultRole: null })).toBe('oncall');
  expect(roleOfGroups(['ops', 'platform-admins'], { roleMap, defaultRole: 'viewer' })).toBe('admin');
  expect(roleOfGroups(['marketing'], { roleMap, defaultRole: 'viewer' })).toBe('viewer');
  expect(roleOfGroups(['marketing'], { roleMap, defaultRole: null })).toBeNull();
  expect(roleOfGroups([], { roleMap, defaultRole: null })).toBeNull();
});
