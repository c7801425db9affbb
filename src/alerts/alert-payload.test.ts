import { describe, expect, it } from 'vitest';
import { deliveryDeadAlert, mergeAlerts } from './alert-event.js';
import { alertMail, alertPayload, scrubSecrets } from './alert-payload.js';
import { channelSecrets } from './alert-channels.js';

const event = mergeAlerts(
  deliveryDeadAlert({ destination: 'PACS', deliveryId: 11, jobId: 4, seriesUid: '1.2.3', attempts: 2, error: 'C-STORE status 0xA700' }),
  deliveryDeadAlert({ destination: 'PACS', deliveryId: 12, jobId: 4, seriesUid: '1.2.3', attempts: 2, error: 'C-STORE status 0xA700' }),
);
const payload = alertPayload(event, { id: 'a-1', node: 'UNIMIE', host: 'pacs-gw', time: Date.UTC(2026, 0, 2, 3, 4, 5), suppressed: 3 });

describe('alert payload and mail', () => {
  it('carries event, severity, node, time, message, count and identifiers, and no patient fields', () => {
    expect(payload).toEqual({
      id: 'a-1',
      source: 'unimie-pacs-node',
      node: 'UNIMIE',
      host: 'pacs-gw',
      event: 'delivery.dead',
      severity: 'error',
      subject: 'PACS',
      time: '2026-01-02T03:04:05.000Z',
      message: '2 deliveries to destination "PACS" are dead after 2 attempts: C-STORE status 0xA700',
      count: 2,
      suppressed: 3,
      details: { destination: 'PACS', deliveryIds: [11, 12], jobIds: [4], seriesUids: ['1.2.3'], attempts: 2, error: 'C-STORE status 0xA700' },
    });
    expect(JSON.stringify(payload)).not.toMatch(/patient/i);
  });

  it('writes a mail with the severity in the subject and every detail in the body', () => {
    const mail = alertMail(payload);
    expect(mail.subject).toBe('[UNIMIE] ERROR delivery.dead: 2 deliveries to destination "PACS" are dead after 2 attempts: C-STORE status 0xA700');
    expect(mail.text).toContain('Held back since the last alert of this kind: 3');
    expect(mail.text).toContain('deliveryIds: 11, 12');
    expect(mail.text).toContain('Alert id: a-1');
    expect(alertMail({ ...payload, message: 'y'.repeat(400) }).subject.length).toBe(160);
  });

  it('scrubs secrets from error texts, longest first', () => {
    expect(scrubSecrets('auth Bearer abcd1234 failed for abcd1234', ['Bearer abcd1234', 'abcd1234', 'ab'])).toBe('auth [redacted] failed for [redacted]');
  });

  it('counts header values (with and without their scheme), the URL path and SMTP passwords as secrets', () => {
    const hook = { name: 'h', kind: 'webhook', url: 'https://hooks.example/services/T0/B0/xyz', headers: { Authorization: 'Bearer tok-123' }, timeoutSeconds: 1, events: [] } as const;
    expect(channelSecrets(hook)).toEqual(['Bearer tok-123', 'tok-123', '/services/T0/B0/xyz']);
    const mail = { name: 'm', kind: 'smtp', host: 'h', port: 25, security: 'none', from: 'a@b', to: ['c@d'], auth: { user: 'u', password: 'pw-9' }, timeoutSeconds: 1, events: [] } as const;
    expect(channelSecrets(mail)).toEqual(['pw-9']);
  });
});
