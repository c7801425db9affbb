import type { AuditSettings, AuditSyslogSettings } from './audit-schema.js';
import type { ConfigIssue } from './config-issue.js';
import { configFiles } from './config-files.js';
import type { YamlSource } from './yaml-source.js';

/** `audit.syslog` with its TLS files read (PEM), plus where they came from. */
export type ResolvedAuditSyslog = Omit<AuditSyslogSettings, 'ca' | 'cert' | 'key'> & {
  tls?: { ca?: string; cert?: string; key?: string; files: { ca?: string; cert?: string; key?: string } };
};

export interface ResolvedAudit {
  syslog?: ResolvedAuditSyslog;
}

/** Reads the TLS files of `audit.syslog` and checks what the schema cannot: cert with key, files only for tls. */
export function resolveAudit(
  audit: AuditSettings | undefined,
  source: YamlSource,
  readText: (absolutePath: string) => string,
): { audit: ResolvedAudit; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const s = audit?.syslog;
  if (!s) return { audit: {}, issues };
  const { ca, cert, key, ...rest } = s;
  const at = ['audit', 'syslog'];
  if ((cert === undefined) !== (key === undefined)) issues.push(source.issue(at, 'a client certificate needs both cert and key'));
  if (s.protocol !== 'tls') {
    for (const [name, value] of Object.entries({ ca, cert, key })) {
      if (value !== undefined) issues.push(source.issue([...at, name], `${name} applies to protocol tls only (protocol is ${s.protocol})`));
    }
    return { audit: { syslog: rest }, issues };
  }
  const cf = configFiles(source, readText, issues);
  const pem: { ca?: string; cert?: string; key?: string } = {};
  const files: { ca?: string; cert?: string; key?: string } = {};
  for (const [name, value] of [['ca', ca], ['cert', cert], ['key', key]] as const) {
    if (value === undefined) continue;
    files[name] = cf.abs(value);
    const text = cf.readPem(value, [...at, name]);
    if (text !== undefined) pem[name] = text;
  }
  return { audit: { syslog: { ...rest, tls: { ...pem, files } } }, issues };
}
