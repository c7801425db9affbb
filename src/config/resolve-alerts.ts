import type { AlertEventType, AlertsSettings } from './alerts-schema.js';
import type { ConfigIssue } from './config-issue.js';
import { configFiles } from './config-files.js';
import type { YamlSource } from './yaml-source.js';

export interface ResolvedWebhookChannel {
  name: string;
  kind: 'webhook';
  url: string;
  /** Header values read (from the YAML or their files): secrets. */
  headers: Readonly<Record<string, string>>;
  timeoutSeconds: number;
  events: readonly AlertEventType[];
}

export interface ResolvedSmtpChannel {
  name: string;
  kind: 'smtp';
  host: string;
  port: number;
  security: 'starttls' | 'tls' | 'none';
  /** PEM text of the CA file. */
  ca?: string;
  from: string;
  to: readonly string[];
  /** `password` is a secret (read from passwordFile where given). */
  auth?: Readonly<{ user: string; password: string }>;
  timeoutSeconds: number;
  events: readonly AlertEventType[];
}

export type ResolvedAlertChannel = ResolvedWebhookChannel | ResolvedSmtpChannel;

export interface ResolvedAlerts {
  channels: Readonly<Record<string, ResolvedAlertChannel>>;
  repeatSeconds: number;
  maxAttempts: number;
  backoff: Readonly<{ initialSeconds: number; maxSeconds: number }>;
}

/**
 * The validated `alerts:` section with its secrets read: header values and SMTP passwords given as
 * files (first line), the SMTP CA file (PEM). Paths are relative to node.yaml's folder.
 */
export function resolveAlerts(
  alerts: AlertsSettings,
  source: YamlSource,
  readText: (absolutePath: string) => string,
): { alerts: ResolvedAlerts; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const { read } = configFiles(source, readText, issues);
  const firstLine = (text: string | undefined): string | undefined => text?.split(/\r?\n/)[0]?.trim() || undefined;

  if (alerts.backoff.initialSeconds > alerts.backoff.maxSeconds) {
    issues.push(source.issue(['alerts', 'backoff'], 'initialSeconds must not exceed maxSeconds'));
  }
  const channels: Record<string, ResolvedAlertChannel> = {};
  for (const [name, c] of Object.entries(alerts.channels)) {
    const at = ['alerts', 'channels', name];
    if (c.kind === 'webhook') {
      const headers: Record<string, string> = {};
      for (const [header, value] of Object.entries(c.headers)) {
        const text = typeof value === 'string' ? value : firstLine(read(value.file, [...at, 'headers', header, 'file']));
        if (text !== undefined) headers[header] = text;
        else if (typeof value !== 'string') issues.push(source.issue([...at, 'headers', header, 'file'], 'the file is empty'));
      }
      channels[name] = { name, kind: 'webhook', url: c.url, headers, timeoutSeconds: c.timeoutSeconds, events: [...c.events] };
      continue;
    }
    if (c.password !== undefined && c.passwordFile !== undefined) issues.push(source.issue(at, 'give either password or passwordFile, not both'));
    const password = c.passwordFile !== undefined ? firstLine(read(c.passwordFile, [...at, 'passwordFile'])) : c.password;
    if (c.user !== undefined && password === undefined && c.passwordFile === undefined) issues.push(source.issue([...at, 'user'], 'a user needs a password or passwordFile'));
    if (c.user === undefined && (c.password !== undefined || c.passwordFile !== undefined)) issues.push(source.issue(at, 'a password needs a user'));
    const ca = c.ca !== undefined ? read(c.ca, [...at, 'ca']) : undefined;
    channels[name] = {
      name,
      kind: 'smtp',
      host: c.host,
      port: c.port,
      security: c.security,
      ...(ca !== undefined ? { ca } : {}),
      from: c.from,
      to: [...c.to],
      ...(c.user !== undefined && password !== undefined ? { auth: { user: c.user, password } } : {}),
      timeoutSeconds: c.timeoutSeconds,
      events: [...c.events],
    };
  }
  return {
    alerts: { channels, repeatSeconds: alerts.repeatSeconds, maxAttempts: alerts.maxAttempts, backoff: { ...alerts.backoff } },
    issues,
  };
}
