/**
 * The alerter against real receivers (an HTTP server and smtp-server on 127.0.0.1) and a real
 * SQLite database: retry with backoff, mail with login and STARTTLS, a receiver that is down,
 * alerts kept across a restart, the repeat window and merging.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Alerter, type AlertOutcome } from '../../src/alerts/alerter.js';
import { deliveryDeadAlert, diskAlert, listenerDownAlert } from '../../src/alerts/alert-event.js';
import type { ResolvedAlertChannel, ResolvedAlerts } from '../../src/config/resolve-alerts.js';
import { ALERT_EVENTS } from '../../src/config/alerts-schema.js';
import { openDatabase, type Db } from '../../src/provenance/database.js';
import { countAlertsByState, getAlert } from '../../src/provenance/alerts.js';
import { silentLogger } from '../../src/shared/log.js';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../helpers/alert-receivers.js';
import { freePort } from '../helpers/ports.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { until } from '../reliability/node-process.js';

const TOKEN = 'Bearer hook-secret-5d1c0a';
const SMTP = { user: 'unimie', password: 'smtp-secret-93be' };

let dir: string;
let db: Db;
const alerters: Alerter[] = [];

function settings(channels: ResolvedAlertChannel[], over: Partial<ResolvedAlerts> = {}): ResolvedAlerts {
  return { channels: Object.fromEntries(channels.map((c) => [c.name, c])), repeatSeconds: 900, maxAttempts: 5, backoff: { initialSeconds: 0.05, maxSeconds: 0.2 }, ...over };
}

function webhook(url: string, over: Partial<ResolvedAlertChannel> = {}): ResolvedAlertChannel {
  return { name: 'hook', kind: 'webhook', url, headers: { Authorization: TOKEN }, timeoutSeconds: 2, events: [...ALERT_EVENTS], ...over } as ResolvedAlertChannel;
}

function smtp(port: number, over: Partial<ResolvedAlertChannel> = {}): ResolvedAlertChannel {
  return { name: 'mail', kind: 'smtp', host: '127.0.0.1', port, security: 'none', from: 'unimie@node.test', to: ['pacs-admin@site.test'], auth: SMTP, timeoutSeconds: 5, events: [...ALERT_EVENTS], ...over } as ResolvedAlertChannel;
}

function alerter(s: () => ResolvedAlerts, outcomes: Array<[string, AlertOutcome]> = [], extra: { onSuppressed?: (e: string, n: number) => void } = {}): Alerter {
  const a = new Alerter({ db, settings: s, node: () => 'UNIMIE', log: silentLogger, pollMs: 20, coalesceMs: 20, onOutcome: (c, o) => outcomes.push([c, o]), ...extra });
  alerters.push(a);
  a.start();
  return a;
}

const low = () => diskAlert({ low: true, freeBytes: 10 * 2 ** 20, minFreeBytes: 2 ** 30 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'alerter-'));
  db = openDatabase(join(dir, 'node.sqlite'));
});
afterEach(async () => {
  await Promise.all(alerters.splice(0).map((a) => a.stop()));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('webhook channel', () => {
  let hook: WebhookReceiver;
  afterEach(async () => hook?.stop());

  it('retries with backoff after a 500 and delivers the JSON alert with its Authorization header', async () => {
    hook = await startWebhookReceiver({ statuses: [500] });
    const outcomes: Array<[string, AlertOutcome]> = [];
    alerter(() => settings([webhook(hook.url)]), outcomes).raise(low());
    await until('alert recorded as sent', () => (countAlertsByState(db).sent === 1 ? true : undefined), 10_000, 20);
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests.map((r) => [r.method, r.url, r.headers.authorization, r.headers['content-type']])).toEqual([
      ['POST', '/alerts/7f3e9d', TOKEN, 'application/json'],
      ['POST', '/alerts/7f3e9d', TOKEN, 'application/json'],
    ]);
    const body = hook.delivered()[0]!;
    expect(body).toMatchObject({ source: 'unimie-pacs-node', node: 'UNIMIE', event: 'disk.low', severity: 'critical', count: 1, suppressed: 0 });
    expect(body.message).toMatch(/^Free space on the data volume is 10 MiB/);
    expect(new Date(String(body.time)).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // The retry is the same alert (same id), not a new one.
    expect(JSON.parse(hook.requests[0]!.body).id).toBe(body.id);
    expect(outcomes).toEqual([
      ['hook', 'retry'],
      ['hook', 'sent'],
    ]);
    expect(countAlertsByState(db)).toEqual({ pending: 0, sent: 1, dead: 0 });
    expect(getAlert(db, 1)).toMatchObject({ attempts: 2, lastError: null });
  });

  it('gives up after maxAttempts; the error it keeps names the status, not the URL path or the token', async () => {
    hook = await startWebhookReceiver({ status: () => 503 });
    const outcomes: Array<[string, AlertOutcome]> = [];
    alerter(() => settings([webhook(hook.url)], { maxAttempts: 3 }), outcomes).raise(low());
    await until('alert dead', () => (countAlertsByState(db).dead === 1 ? true : undefined), 10_000, 20);
    expect(hook.requests).toHaveLength(3);
    expect(outcomes.map(([, o]) => o)).toEqual(['retry', 'retry', 'dead']);
    expect(getAlert(db, 1)?.lastError).toBe('webhook answered HTTP 503');
  });

  it('never blocks the node on a receiver that is down, and sends what it kept after a restart', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/alerts/7f3e9d`;
    const first = alerter(() => settings([webhook(closed)]));
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) first.raise(deliveryDeadAlert({ destination: 'PACS', deliveryId: i, jobId: 1, seriesUid: '1.2', attempts: 1, error: 'refused' }));
    expect(performance.now() - t0).toBeLessThan(200);
    await until('a failed attempt', () => (getAlert(db, 1)?.attempts ? true : undefined), 10_000, 20);
    expect(getAlert(db, 1)?.lastError).toMatch(/^fetch failed: ECONNREFUSED$/);
    await first.stop();

    hook = await startWebhookReceiver();
    alerter(() => settings([webhook(hook.url)]));
    await until('kept alert delivered', () => (hook.delivered().length === 1 ? true : undefined), 10_000, 20);
    // 200 raises in one moment: one alert that counts them.
    expect(hook.delivered()[0]).toMatchObject({ event: 'delivery.dead', subject: 'PACS', count: 200 });
    expect((hook.delivered()[0]!.details as { deliveryIds: number[] }).deliveryIds).toHaveLength(20);
  });

  it('sends the same alert once per repeat window and counts the ones held back into the next', async () => {
    hook = await startWebhookReceiver();
    const held: number[] = [];
    const a = alerter(() => settings([webhook(hook.url)], { repeatSeconds: 1 }), [], { onSuppressed: (_e, n) => held.push(n) });
    a.raise(low());
    await until('first alert', () => (hook.delivered().length === 1 ? true : undefined), 5000, 20);
    const firstAt = Date.now();
    for (let i = 0; i < 4; i++) {
      a.raise(low());
      await a.flush(1000);
    }
    a.raise(listenerDownAlert({ listener: 'main', error: 'closed' })); // another key: not held back
    await a.flush(1000);
    expect(hook.delivered().map((b) => b.event)).toEqual(['disk.low', 'listener.down']);
    expect(held).toEqual([1, 1, 1, 1]);
    await new Promise((r) => setTimeout(r, Math.max(0, firstAt + 1100 - Date.now())));
    a.raise(low());
    await a.flush(1000);
    expect(hook.delivered().map((b) => [b.event, b.suppressed])).toEqual([
      ['disk.low', 0],
      ['listener.down', 0],
      ['disk.low', 4],
    ]);
  });

  it('gives each channel only the events it asked for', async () => {
    hook = await startWebhookReceiver();
    const a = alerter(() => settings([webhook(hook.url, { events: ['listener.down'] })]));
    a.raise(low());
    a.raise(listenerDownAlert({ listener: 'main', error: 'closed' }));
    await a.flush(2000);
    expect(hook.delivered().map((b) => b.event)).toEqual(['listener.down']);
  });
});

describe('smtp channel', () => {
  let mail: SmtpReceiver;
  let certs: string;
  beforeAll(async () => {
    certs = mkdtempSync(join(tmpdir(), 'alert-certs-'));
    await makeCertificates(certs);
  });
  afterAll(() => rmSync(certs, { recursive: true, force: true }));
  afterEach(async () => mail?.stop());

  it('logs in and sends the alert as a mail', async () => {
    mail = await startSmtpReceiver({ auth: SMTP });
    const a = alerter(() => settings([smtp(mail.port)]));
    a.raise(deliveryDeadAlert({ destination: 'PACS', deliveryId: 9, jobId: 3, seriesUid: '1.2.3', attempts: 8, error: 'association rejected' }));
    await until('mail received', () => (mail.mails.length === 1 ? true : undefined), 10_000, 20);
    const m = mail.mails[0]!;
    expect([m.from, m.to, m.user]).toEqual(['unimie@node.test', ['pacs-admin@site.test'], 'unimie']);
    expect(m.headers.subject).toBe('[UNIMIE] ERROR delivery.dead: A delivery to destination "PACS" is dead after 8 attempts: association rejected');
    expect(m.headers['x-unimie-alert']).toBe('delivery.dead');
    expect(m.text).toContain('deliveryIds: 9');
    expect(m.text).toContain('Node:     UNIMIE on ');
    await until('recorded as sent', () => (countAlertsByState(db).sent === 1 ? true : undefined), 5000, 20);
  });

  it('retries a refused login and never stores the password in the error', async () => {
    mail = await startSmtpReceiver({ auth: { user: SMTP.user, password: 'another-one' } });
    const a = alerter(() => settings([smtp(mail.port)], { maxAttempts: 2 }));
    a.raise(low());
    await until('alert dead', () => (countAlertsByState(db).dead === 1 ? true : undefined), 10_000, 20);
    expect(mail.refusedLogins).toBe(2);
    expect(mail.mails).toHaveLength(0);
    expect(getAlert(db, 1)?.lastError).toMatch(/Invalid login/);
    expect(getAlert(db, 1)?.lastError).not.toContain(SMTP.password);
  });

  it('upgrades with STARTTLS and checks the server against the configured CA; refuses a server without STARTTLS', async () => {
    const tls = { key: readFileSync(join(certs, 'ca-server.key'), 'utf8'), cert: readFileSync(join(certs, 'ca-server.crt'), 'utf8') };
    mail = await startSmtpReceiver({ auth: SMTP, tls });
    const ca = readFileSync(join(certs, 'ca.crt'), 'utf8');
    const a = alerter(() => settings([smtp(mail.port, { security: 'starttls', ca } as Partial<ResolvedAlertChannel>)]));
    a.raise(low());
    await until('mail over TLS', () => (mail.mails.length === 1 ? true : undefined), 10_000, 20);
    expect(mail.mails[0]!.secure).toBe(true);
    await a.stop();

    const plain = await startSmtpReceiver({ auth: SMTP });
    try {
      const b = alerter(() => settings([smtp(plain.port, { security: 'starttls', ca } as Partial<ResolvedAlertChannel>)], { maxAttempts: 1 }));
      b.raise(listenerDownAlert({ listener: 'main', error: 'x' }));
      await until('alert dead', () => (countAlertsByState(db).dead === 1 ? true : undefined), 10_000, 20);
      expect(plain.mails).toHaveLength(0);
    } finally {
      await plain.stop();
    }
  });
});
