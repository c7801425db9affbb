import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, type ConfigIssue } from './config-issue.js';
import { parseConfig } from './load.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const RULES = `rules:
  - name: default
    default: true
    actions: { drop: true }
`;

const FILES: Record<string, string> = {
  '/etc/unimie/secrets/webhook-auth': 'Bearer from-a-file\n',
  '/etc/unimie/secrets/smtp': 'mail-pw\nignored second line\n',
  '/etc/unimie/ca.pem': '-----BEGIN CERTIFICATE-----\n',
};

function parse(node: string) {
  return parseConfig(
    { node: { file: '/etc/unimie/node.yaml', text: node }, rules: { file: '/etc/unimie/rules.yaml', text: RULES } },
    {
      readText: (p) => {
        if (p in FILES) return FILES[p]!;
        throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      },
    },
  );
}

function issuesOf(node: string): string[] {
  try {
    parse(node);
  } catch (err) {
    if (!(err instanceof ConfigValidationError)) throw err;
    return err.issues.map((i: ConfigIssue) => `${path.basename(i.file)}:${i.line}: ${i.path}: ${i.message}`);
  }
  return [];
}

describe('alerts: in node.yaml', () => {
  it('defaults to no channel, a 15 min repeat window and exponential backoff', () => {
    expect(parse('node: { aeTitle: UNIMIE }\n').alerts).toEqual({ channels: {}, repeatSeconds: 900, maxAttempts: 12, backoff: { initialSeconds: 5, maxSeconds: 600 } });
  });

  it('reads header values and passwords from their files (first line) and the CA, relative to node.yaml', () => {
    const config = parse(`alerts:
  repeatSeconds: 60
  channels:
    ops:
      kind: webhook
      url: https://hooks.example/pacs
      headers:
        Authorization: { file: secrets/webhook-auth }
        X-Team: radiology
      events: [delivery.dead, listener.down]
    mail:
      kind: smtp
      host: smtp.example
      ca: ca.pem
      from: unimie@example.org
      to: [pacs-admin@example.org]
      user: unimie
      passwordFile: secrets/smtp
`);
    expect(config.alerts.repeatSeconds).toBe(60);
    expect(config.alerts.channels.ops).toEqual({
      name: 'ops',
      kind: 'webhook',
      url: 'https://hooks.example/pacs',
      headers: { Authorization: 'Bearer from-a-file', 'X-Team': 'radiology' },
      timeoutSeconds: 10,
      events: ['delivery.dead', 'listener.down'],
    });
    expect(config.alerts.channels.mail).toMatchObject({
      kind: 'smtp',
      port: 587,
      security: 'starttls',
      ca: '-----BEGIN CERTIFICATE-----\n',
      auth: { user: 'unimie', password: 'mail-pw' },
      events: ['delivery.dead', 'job.failed', 'job.dead', 'disk.low', 'disk.recovered', 'listener.down', 'model.failed'],
    });
  });

  it('reports unreadable secret files, password without user, both password forms, unknown events and bad URLs', () => {
    const issues = issuesOf(`alerts:
  channels:
    a: { kind: webhook, url: 'https://h.example/x', headers: { Authorization: { file: missing } } }
    b: { kind: smtp, host: h, from: f, to: [t], password: p }
    c: { kind: smtp, host: h, from: f, to: [t], user: u, password: p, passwordFile: secrets/smtp }
    d: { kind: smtp, host: h, from: f, to: [t], user: u }
`);
    expect(issues.join('\n')).toMatch(/alerts\.channels\.a\.headers\.Authorization\.file: cannot read \/etc\/unimie\/missing: ENOENT/);
    expect(issues.join('\n')).toMatch(/alerts\.channels\.b: a password needs a user/);
    expect(issues.join('\n')).toMatch(/alerts\.channels\.c: give either password or passwordFile, not both/);
    expect(issues.join('\n')).toMatch(/alerts\.channels\.d\.user: a user needs a password or passwordFile/);
    expect(issuesOf(`alerts:\n  channels:\n    a: { kind: webhook, url: 'ftp://x', events: [disk.full] }\n`).length).toBeGreaterThanOrEqual(2);
  });
});
