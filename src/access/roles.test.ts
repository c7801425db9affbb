import { describe, expect, it } from 'vitest';
import { isRole, roleAllows, ROLES } from './roles.js';

describe('roles', () => {
  it('each role includes the ones below it and none above', () => {
    expect(roleAllows('admin', 'viewer')).toBe(true);
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'viewer')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    for (const r of ROLES) expect(roleAllows(r, r)).toBe(true);
  });

  it('knows only the three role names', () => {
    expect(ROLES.filter(isRole)).toEqual(['viewer', 'operator', 'admin']);
    expect(isRole('root')).toBe(false);
    expect(isRole('Admin')).toBe(false);
  });
});
