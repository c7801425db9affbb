import type { AlertEvent, AlertSeverity, DetailValue } from './alert-event.js';
import { alertMessage } from './alert-event.js';

/** What a channel receives: the webhook's JSON body, and the mail's content. */
export interface AlertPayload {
  /** Unique per alert, the same on every channel (a receiver can drop a retried duplicate). */
  id: string;
  source: 'unimie-pacs-node';
  /** The node's AE title (node.aeTitle). */
  node: string;
  host: string;
  /** `alert.test`: sent by `unimie-node alerts test`, through every channel whatever its filter. */
  event: AlertEvent['type'] | 'alert.test';
  severity: AlertSeverity;
  subject: string;
  /** ISO 8601, when the alert was raised. */
  time: string;
  message: string;
  /** Occurrences this alert stands for. */
  count: number;
  /** Raises of the same alert held back (repeat window) since the last one that went out. */
  suppressed: number;
  details: Record<string, DetailValue>;
}

export function alertPayload(e: AlertEvent, ctx: { id: string; node: string; host: string; time: number; suppressed: number }): AlertPayload {
  return {
    id: ctx.id,
    source: 'unimie-pacs-node',
    node: ctx.node,
    host: ctx.host,
    event: e.type,
    severity: e.severity,
    subject: e.subject,
    time: new Date(ctx.time).toISOString(),
    message: alertMessage(e),
    count: e.count,
    suppressed: ctx.suppressed,
    details: e.details,
  };
}

/** The alert `unimie-node alerts test` sends, to check that a channel reaches someone. */
export function testAlertPayload(ctx: { id: string; node: string; host: string; time: number }): AlertPayload {
  return {
    ...ctx,
    source: 'unimie-pacs-node',
    event: 'alert.test',
    severity: 'info',
    subject: 'test',
    time: new Date(ctx.time).toISOString(),
    message: `Test alert from ${ctx.node}: this channel reaches you`,
    count: 1,
    suppressed: 0,
    details: {},
  };
}

const SUBJECT_MAX = 160;

/** Mail subject and plain-text body of an alert. */
export function alertMail(p: AlertPayload): { subject: string; text: string } {
  const subject = `[${p.node}] ${p.severity.toUpperCase()} ${p.event}: ${p.message}`.replace(/\s+/g, ' ');
  const lines = [
    p.message,
    '',
    `Event:    ${p.event} (${p.severity})`,
    `Node:     ${p.node} on ${p.host}`,
    `Time:     ${p.time}`,
    ...(p.count > 1 ? [`Count:    ${p.count}`] : []),
    ...(p.suppressed > 0 ? [`Held back since the last alert of this kind: ${p.suppressed}`] : []),
    '',
    ...Object.entries(p.details).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`),
    '',
    `Alert id: ${p.id}`,
  ];
  return { subject: subject.length > SUBJECT_MAX ? `${subject.slice(0, SUBJECT_MAX - 1)}…` : subject, text: `${lines.join('\n')}\n` };
}

/** `text` with every secret (4 characters or more) replaced: error texts are logged and stored. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  return out;
}
