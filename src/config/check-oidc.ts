import type { OidcSettings } from './auth-schema.js';
import type { ConfigIssue } from './config-issue.js';
import type { YamlSource } from './yaml-source.js';

const AT = ['api', 'auth', 'oidc'];

/** Whether a URL's host is this machine (http is accepted only there: a provider started beside the node, as in the tests). */
export function isLoopbackUrl(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/** What the schema cannot say about api.auth.oidc: an https issuer (or http on loopback), `openid` among the scopes, a role map. */
export function checkOidc(oidc: OidcSettings, source: YamlSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  let issuer: URL | undefined;
  try {
    issuer = new URL(oidc.issuer);
  } catch {
    issues.push(source.issue([...AT, 'issuer'], `"${oidc.issuer}" is not a URL`));
  }
  if (issuer && issuer.protocol !== 'https:' && !isLoopbackUrl(issuer)) {
    issues.push(source.issue([...AT, 'issuer'], 'the issuer must be https (plain http only for a provider on this machine)'));
  }
  if (oidc.redirectUri !== undefined) {
    try {
      new URL(oidc.redirectUri);
    } catch {
      issues.push(source.issue([...AT, 'redirectUri'], `"${oidc.redirectUri}" is not a URL`));
    }
  }
  if (!oidc.scopes.includes('openid')) issues.push(source.issue([...AT, 'scopes'], 'the scopes must include openid'));
  if (Object.keys(oidc.roleMap).length === 0) issues.push(source.issue([...AT, 'roleMap'], 'map at least one claim value to a role, or nobody can sign in'));
  return issues;
}
