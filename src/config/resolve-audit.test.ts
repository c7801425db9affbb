import { describe, expect, it } from 'vitest';
import { redactConfig } from '../api/redact-config.js';
import { ConfigValidationError, type ConfigIssue } from './config-issue.js';
import { parseConfig } from './load.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const NODE = `node: { aeTitle: UNIMIE }
`;
const RULES = `rules:
  - name: default
    default: true
    actions: { drop: true }
`;
const PEM = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
const FILES: Record<string, string> = {
  '/etc/unimie/audit-ca.pem': PEM('CERTIFICATE'),
  '/etc/unimie/node-cert.pem': PEM('CERTIFICATE'),
  '/etc/unimie/node-key.pem': PEM('PRIVATE KEY'),
};

function parse(audit: string) {
  const readText = (p: string) => {
    if (p in FILES) return FILES[p]!;
    throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  };
  return parseConfig({ node: { file: '/etc/unimie/node.yaml', text: NODE + audit }, rules: { file: '/etc/unimie/rules.yaml', text: RULES } }, { readText });
}

function issues(audit: string): string[] {
  try {
    parse(audit);
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    return err.issues.map((i: ConfigIssue) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('audit: in node.yaml', () => {
  it('is off unless audit.syslog is there', () => {
    expect(parse('').audit).toBeUndefined();
    expect(parse('audit: {}\n').audit).toBeUndefined();
  });

  it('defaults to TLS on 6514, facility authpriv (10); reads the CA and client certificate relative to node.yaml; the key is redacted in GET /api/config', () => {
    const c = parse('audit:\n  syslog: { host: arr.example.org, ca: audit-ca.pem, cert: node-cert.pem, key: node-key.pem }\n');
    expect(c.audit?.syslog).toMatchObject({ host: 'arr.example.org', port: 6514, protocol: 'tls', facility: 10, appName: 'pacs-node' });
    expect(c.audit?.syslog?.tls).toEqual({ ...{ ca: FILES['/etc/unimie/audit-ca.pem'], cert: FILES['/etc/unimie/node-cert.pem'], key: FILES['/etc/unimie/node-key.pem'] }, files: { ca: '/etc/unimie/audit-ca.pem', cert: '/etc/unimie/node-cert.pem', key: '/etc/unimie/node-key.pem' } });
    expect(JSON.stringify(redactConfig(c))).not.toContain('PRIVATE KEY');
  });

  it('UDP and TCP take no TLS files', () => {
    expect(parse('audit:\n  syslog: { host: 10.0.0.5, port: 514, protocol: udp, facility: 13 }\n').audit?.syslog).toEqual({ host: '10.0.0.5', port: 514, protocol: 'udp', facility: 13, appName: 'pacs-node' });
    expect(issues('audit:\n  syslog: { host: h, protocol: tcp, ca: audit-ca.pem }\n')).toEqual(['audit.syslog.ca: ca applies to protocol tls only (protocol is tcp)']);
  });

  it('refuses a certificate without its key, unreadable files, unknown protocols and facilities out of range', () => {
    expect(issues('audit:\n  syslog: { host: h, cert: node-cert.pem }\n')).toEqual(['audit.syslog: a client certificate needs both cert and key']);
    expect(issues('audit:\n  syslog: { host: h, ca: missing.pem }\n')[0]).toMatch(/audit\.syslog\.ca: cannot read \/etc\/unimie\/missing\.pem/);
    expect(issues('audit:\n  syslog: { host: h, protocol: relp }\n').join()).toMatch(/audit\.syslog\.protocol/);
    expect(issues('audit:\n  syslog: { host: h, facility: 24 }\n').join()).toMatch(/audit\.syslog\.facility/);
  });
});
