import { describe, expect, it } from 'vitest';
import { hashPassword, passwordMatches } from './passwords.js';

describe('passwords', () => {
  it('stores an argon2id PHC string that verifies the password and nothing else', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    expect(h).not.toContain('correct horse');
    expect(await passwordMatches(h, 'correct horse battery')).toBe(true);
    expect(await passwordMatches(h, 'correct horse batterY')).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'));
  });

  it('refuses short passwords and treats a malformed hash as no match', async () => {
    await expect(hashPassword('short')).rejects.toThrow(/at least 12/);
    expect(await passwordMatches('not-a-hash', 'whatever password')).toBe(false);
  });
});
