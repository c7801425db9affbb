import { describe, expect, it } from 'vitest';
import { redactConfig, REDACTED } from '../api/redact-config.js';
import { ConfigValidationError, type ConfigIssue } from './config-issue.js';
import { parseConfig } from './load.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const RULES = `rules:
  - name: default
    default: true
    actions: { drop: true }
`;

function parse(auth: string, files: Record<string, string> = {}) {
  const readText = (p: string) => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  };
  const node = `node: { aeTitle: UNIMIE }\napi:\n  auth: ${auth}\n`;
  return parseConfig({ node: { file: '/etc/unimie/node.yaml', text: node }, rules: { file: '/etc/unimie/rules.yaml', text: RULES } }, { readText });
}

function issues(auth: string): string[] {
  try {
    parse(auth);
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    return err.issues.map((i: ConfigIssue) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

const OIDC = (extra: string) => `{ oidc: { issuer: "https://sso.example.org/realms/pacs", clientId: unimie, roleClaim: groups, roleMap: { radiology: viewer }, ${extra} } }`;

describe('api.auth in node.yaml', () => {
  it('fills session and sign-in limits with their defaults', () => {
    expect(parse('{}').api.auth).toMatchObject({ passwordLogin: true, session: { idleMinutes: 30, absoluteHours: 12 }, loginLimit: { maxFailures: 5, maxFailuresPerAddress: 20, windowMinutes: 15 } });
  });

  it('reads the OIDC client secret from its file (first line) and keeps it out of GET /api/config', () => {
    const c = parse(OIDC('clientSecret: { file: secrets/oidc }'), { '/etc/unimie/secrets/oidc': 'the-client-secret\n' });
    expect(c.api.auth?.oidc).toMatchObject({ clientSecret: 'the-client-secret', scopes: ['openid', 'profile'], userClaim: 'preferred_username', clockToleranceSeconds: 30 });
    expect((redactConfig(c).api.auth?.oidc as { clientSecret: string }).clientSecret).toBe(REDACTED);
  });

  it('refuses an http issuer off this machine, scopes without openid, an empty role map, a missing secret file or clientId', () => {
    expect(issues(OIDC('clientSecret: x, issuer: "http://sso.example.org"').replace('issuer: "https://sso.example.org/realms/pacs", ', ''))).toEqual([
      'api.auth.oidc.issuer: the issuer must be https (plain http only for a provider on this machine)',
    ]);
    expect(() => parse(OIDC('clientSecret: x, issuer: "http://127.0.0.1:9000"').replace('issuer: "https://sso.example.org/realms/pacs", ', ''))).not.toThrow();
    expect(issues(OIDC('clientSecret: x, scopes: [profile]'))).toEqual(['api.auth.oidc.scopes: the scopes must include openid']);
    expect(issues(OIDC('clientSecret: x').replace('{ radiology: viewer }', '{}'))).toEqual(['api.auth.oidc.roleMap: map at least one claim value to a role, or nobody can sign in']);
    expect(issues(OIDC('clientSecret: { file: nowhere }'))[0]).toMatch(/clientSecret\.file: cannot read/);
    expect(issues(OIDC('clientSecret: x').replace('clientId: unimie, ', ''))[0]).toMatch(/clientId/);
    expect(issues(OIDC('clientSecret: x, roleMap: { radiology: superuser }').replace('roleMap: { radiology: viewer }, ', ''))[0]).toMatch(/roleMap/);
  });
});
