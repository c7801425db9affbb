/**
 * Sends one alert on one channel: a JSON POST (Node's fetch) or a mail (nodemailer over SMTP).
 * Throws on failure with a message that carries no secret (no header, password or URL path).
 */
import nodemailer from 'nodemailer';
import type { ResolvedAlertChannel, ResolvedSmtpChannel, ResolvedWebhookChannel } from '../config/resolve-alerts.js';
import { alertMail, scrubSecrets, type AlertPayload } from './alert-payload.js';

export async function sendAlert(channel: ResolvedAlertChannel, payload: AlertPayload): Promise<void> {
  try {
    if (channel.kind === 'webhook') await postWebhook(channel, payload);
    else await sendMail(channel, payload);
  } catch (err) {
    throw new Error(scrubSecrets(describeSendError(err, channel.timeoutSeconds), channelSecrets(channel)));
  }
}

/** What must never reach the log or the database from this channel. */
export function channelSecrets(channel: ResolvedAlertChannel): string[] {
  if (channel.kind === 'smtp') return channel.auth ? [channel.auth.password] : [];
  const secrets = Object.values(channel.headers).flatMap((v) => [v, v.replace(/^(Bearer|Basic|Token)\s+/i, '')]);
  try {
    const u = new URL(channel.url);
    const rest = `${u.pathname}${u.search}`;
    if (rest.length >= 8) secrets.push(rest);
    if (u.password) secrets.push(u.password);
  } catch {
    secrets.push(channel.url);
  }
  return secrets;
}

async function postWebhook(channel: ResolvedWebhookChannel, payload: AlertPayload): Promise<void> {
  const res = await fetch(channel.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'unimie-pacs-node', ...channel.headers },
    body: JSON.stringify(payload),
    // A redirect would carry the Authorization header elsewhere: a 3xx counts as a failure.
    redirect: 'manual',
    signal: AbortSignal.timeout(channel.timeoutSeconds * 1000),
  });
  // Read the body so the connection can be reused; its text is not kept (it may echo the request).
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status > 299) throw new Error(`webhook answered HTTP ${res.status}`);
}

async function sendMail(channel: ResolvedSmtpChannel, payload: AlertPayload): Promise<void> {
  const timeout = channel.timeoutSeconds * 1000;
  const transport = nodemailer.createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.security === 'tls',
    requireTLS: channel.security === 'starttls',
    ignoreTLS: channel.security === 'none',
    ...(channel.auth ? { auth: { user: channel.auth.user, pass: channel.auth.password } } : {}),
    ...(channel.ca ? { tls: { ca: channel.ca } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
    debug: false,
  });
  try {
    const mail = alertMail(payload);
    await transport.sendMail({ from: channel.from, to: [...channel.to], subject: mail.subject, text: mail.text, headers: { 'X-UniMIE-Alert': payload.event } });
  } finally {
    transport.close();
  }
}

function describeSendError(err: unknown, timeoutSeconds: number): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutSeconds} s`;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${err.message}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`;
  return err.message;
}
