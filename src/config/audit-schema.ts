import { Type, type Static } from '@sinclair/typebox';
import { Defaulted, Name, OneOf, Port, Strict } from './schema-helpers.js';

/** How audit messages travel to the collector: RFC 5425 (TLS), RFC 6587 (TCP), RFC 5426 (UDP). */
export const SYSLOG_PROTOCOLS = ['tls', 'tcp', 'udp'] as const;

/** An audit repository reached over syslog (IHE ATNA Record Audit Event). */
export const AuditSyslogSchema = Strict({
  host: Name,
  port: Defaulted(Port, 6514),
  protocol: Defaulted(OneOf(SYSLOG_PROTOCOLS), 'tls'),
  /** PEM file of the CA that signed the collector's certificate (tls); the system CAs when absent. */
  ca: Type.Optional(Name),
  /** Client certificate and key (PEM) for collectors that require one (tls). */
  cert: Type.Optional(Name),
  key: Type.Optional(Name),
  /** Syslog facility number (RFC 5424 6.2.1): 10 authpriv, 13 log audit, 16-23 local0-7. */
  facility: Defaulted(Type.Integer({ minimum: 0, maximum: 23 }), 10),
  /** APP-NAME of every message. */
  appName: Defaulted(Type.String({ pattern: '^[!-~]{1,48}$' }), 'pacs-node'),
});

/**
 * `audit:` in node.yaml. The trail is always kept in the database; `syslog` also sends each event
 * to an audit repository as a DICOM audit message (PS3.15 A.5). Off when absent.
 */
export const AuditSchema = Strict({
  syslog: Type.Optional(AuditSyslogSchema),
});

export type AuditSettings = Static<typeof AuditSchema>;
export type AuditSyslogSettings = Static<typeof AuditSyslogSchema>;
