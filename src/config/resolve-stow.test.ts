import { describe, expect, it } from 'vitest';
import { ConfigValidationError, type ConfigIssue } from './config-issue.js';
import { parseConfig } from './load.js';
import { redactConfig } from '../api/redact-config.js';
import { sha256Hex } from './resolve-stow.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const NODE = `node: { aeTitle: UNIMIE }
`;
const RULES = `rules:
  - name: default
    default: true
    actions: { drop: true }
`;
const TOKEN = 'stow-token-0123456789abcdef';

function parse(stow: string, files: Record<string, string> = {}) {
  const readText = (p: string) => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  };
  return parseConfig({ node: { file: '/etc/unimie/node.yaml', text: NODE + stow }, rules: { file: '/etc/unimie/rules.yaml', text: RULES } }, { readText });
}

function issues(stow: string): string[] {
  try {
    parse(stow);
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    return err.issues.map((i: ConfigIssue) => `${i.line}: ${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('stow: in node.yaml', () => {
  it('is off unless the section is there', () => {
    expect(parse('').stow).toBeUndefined();
  });

  it('keeps only SHA-256 digests of the secrets, read from the YAML, a file or given as a digest', () => {
    const c = parse(
      `stow:
  maxRequestMb: 64
  clients:
    - { name: RIS_WEB, token: ${TOKEN}, hosts: [10.0.0.0/8, 127.0.0.1] }
    - { name: VIEWER, user: viewer, password: { file: secrets/viewer } }
    - { name: LAB, token: { sha256: ${sha256Hex('lab-token-xyz').toUpperCase()} } }
`,
      { '/etc/unimie/secrets/viewer': 'viewer-password-1\n' },
    );
    expect(c.stow).toEqual({
      aeTitle: 'UNIMIE',
      maxRequestMb: 64,
      maxInstancesPerRequest: 10_000,
      clients: [
        { name: 'RIS_WEB', hosts: ['10.0.0.0/8', '127.0.0.1'], credential: { kind: 'bearer', secretSha256: sha256Hex(TOKEN) } },
        { name: 'VIEWER', credential: { kind: 'basic', user: 'viewer', secretSha256: sha256Hex('viewer-password-1') } },
        { name: 'LAB', credential: { kind: 'bearer', secretSha256: sha256Hex('lab-token-xyz') } },
      ],
    });
    expect(JSON.stringify(c)).not.toContain(TOKEN);
    expect(JSON.stringify(redactConfig(c))).not.toContain(sha256Hex(TOKEN));
  });

  it('refuses an empty client list, a bad host, duplicate names and credentials, an unreadable secret file', () => {
    expect(issues('stow: { clients: [] }\n').join('\n')).toMatch(/clients/);
    const found = issues(`stow:
  aeTitle: STOWIN
  clients:
    - { name: A, token: ${TOKEN}, hosts: [somewhere] }
    - { name: A, token: other-token-123 }
    - { name: B, token: ${TOKEN} }
    - { name: C, user: "x:y", password: secret-1 }
    - { name: D, user: d, password: { file: nope } }
`).join('\n');
    expect(found).toContain("'somewhere' is not an IP address or CIDR block");
    expect(found).toContain("duplicate client name 'A'");
    expect(found).toContain('the same token as stow.clients[0]');
    expect(found).toContain('cannot contain ":"');
    expect(found).toMatch(/cannot read \/etc\/unimie\/nope/);
  });

  it('takes a client with neither a token nor a user as invalid', () => {
    expect(issues('stow: { clients: [{ name: A }] }\n').length).toBeGreaterThan(0);
  });
});
