import { describe, expect, it } from 'vitest';
import { ALERT_EVENTS } from '../config/alerts-schema.js';
import { alertMessage, deliveryDeadAlert, diskAlert, jobFailedAlert, listenerDownAlert, mergeAlerts, modelFailedAlert, repeatKey } from './alert-event.js';

const dead = (id: number, jobId = 7) =>
  deliveryDeadAlert({ destination: 'PACS', deliveryId: id, jobId, seriesUid: '1.2.3.4', attempts: 1, error: 'connect ECONNREFUSED 127.0.0.1:104' });

describe('alert events', () => {
  it('builds each event with its severity, subject and message', () => {
    const cases = [
      [dead(1), 'error', 'PACS', 'A delivery to destination "PACS" is dead after 1 attempt: connect ECONNREFUSED 127.0.0.1:104'],
      [jobFailedAlert({ jobId: 3, state: 'failed', rule: 'ct', error: 'boom' }), 'warning', 'ct', 'Job 3 of rule "ct" failed and will be retried: boom'],
      [jobFailedAlert({ jobId: 3, state: 'dead', rule: 'ct', error: 'boom' }), 'error', 'ct', 'Job 3 of rule "ct" failed for good (no derived series sent): boom'],
      [diskAlert({ low: true, freeBytes: 500 * 2 ** 20, minFreeBytes: 2 ** 30 }), 'critical', 'data volume', 'Free space on the data volume is 500 MiB, below limits.minFreeDiskMb (1.0 GiB): new associations are refused'],
      [diskAlert({ low: false, freeBytes: 3 * 2 ** 30, minFreeBytes: 2 ** 30 }), 'info', 'data volume', 'Free space on the data volume is back to 3.0 GiB (limit 1.0 GiB): associations are accepted again'],
      [listenerDownAlert({ listener: 'main', aeTitle: 'UNIMIE', host: '0.0.0.0', port: 104, error: 'listen EADDRINUSE' }), 'critical', 'main', 'DICOM listener "main" (UNIMIE@0.0.0.0:104) is down: listen EADDRINUSE'],
      [modelFailedAlert({ model: 'mr', problem: 'ENOENT manifest.yaml' }), 'error', 'mr', 'Enhancement model "mr" failed to load; the presets that use it are disabled: ENOENT manifest.yaml'],
    ] as const;
    for (const [e, severity, subject, message] of cases) {
      expect(e.severity, e.type).toBe(severity);
      expect(e.subject).toBe(subject);
      expect(alertMessage(e)).toBe(message);
    }
    expect(new Set(cases.map(([e]) => e.type))).toEqual(new Set(ALERT_EVENTS));
  });

  it('merges raises of one key: counts add up, id lists join without repeats, capped at 20', () => {
    let e = dead(1);
    for (let i = 2; i <= 30; i++) e = mergeAlerts(e, dead(i, i % 2));
    e = mergeAlerts(e, dead(2));
    expect(e.count).toBe(31);
    expect(e.details.deliveryIds).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(e.details.jobIds).toEqual([7, 0, 1]);
    expect(alertMessage(e)).toMatch(/^31 deliveries to destination "PACS" are dead after 1 attempt:/);
    expect(repeatKey(e)).toBe('delivery.dead:PACS');
  });

  it('clips long error texts', () => {
    const e = jobFailedAlert({ jobId: 1, state: 'dead', rule: 'ct', error: 'x'.repeat(5000) });
    expect(String(e.details.error).length).toBe(500);
  });
});
