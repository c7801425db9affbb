import { describe, expect, it } from 'vitest';
import { roleFromClaim } from './claim-role.js';

const MAP = { 'pacs-readers': 'viewer', 'pacs-ops': 'operator', 'pacs-admins': 'admin' } as const;

describe('roleFromClaim', () => {
  it('takes the highest mapped role of a list, a string or a space-separated string', () => {
    expect(roleFromClaim(['pacs-readers', 'pacs-admins', 'pacs-ops'], MAP)).toBe('admin');
    expect(roleFromClaim(['other', 'pacs-ops'], MAP)).toBe('operator');
    expect(roleFromClaim('pacs-readers', MAP)).toBe('viewer');
    expect(roleFromClaim('staff pacs-ops', MAP)).toBe('operator');
  });

  it('gives no role when nothing maps, the claim is missing or not strings', () => {
    expect(roleFromClaim(['staff'], MAP)).toBeUndefined();
    expect(roleFromClaim(undefined, MAP)).toBeUndefined();
    expect(roleFromClaim([1, { admin: true }], MAP)).toBeUndefined();
    expect(roleFromClaim('', MAP)).toBeUndefined();
    // Inherited object keys are not claim values.
    expect(roleFromClaim(['constructor', 'toString'], MAP)).toBeUndefined();
  });
});
