import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from './audit-event.js';
import { DeliveryAudit } from './delivery-audit.js';

describe('DeliveryAudit: one export event per series, destination and verdict', () => {
  afterEach(() => vi.useRealTimers());

  const make = () => {
    const events: AuditEvent[] = [];
    const audit = new DeliveryAudit({
      record: (e) => events.push(e),
      studyOfSeries: (s) => (s === '1.2.3.1' ? '1.2.3' : undefined),
      nodeAeTitle: () => 'NODE',
      windowMs: 1000,
      now: () => 5000,
    });
    return { events, audit };
  };

  it('instances delivered within the window make one event; retries are not audited; a dead one is its own failure event', () => {
    vi.useFakeTimers();
    const { events, audit } = make();
    for (let i = 0; i < 3; i++) audit.onAttempt({ destination: 'pacs', seriesUid: '1.2.3.1' }, 'delivered');
    audit.onAttempt({ destination: 'pacs', seriesUid: '9.9' }, 'retry', 'timeout');
    audit.onAttempt({ destination: 'pacs', seriesUid: '9.9' }, 'dead', 'status 0xA700');
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(events.map((e) => [e.eventId, e.action, e.outcome, e.studyUid, e.objects])).toEqual([
      ['110104', 'R', 0, '1.2.3', [{ kind: 'destination', id: 'pacs' }, { kind: 'study', id: '1.2.3' }]],
      ['110104', 'R', 8, undefined, [{ kind: 'destination', id: 'pacs' }, { kind: 'series', id: '9.9' }]],
    ]);
    expect(events[0]!.detail).toBe('3 instance(s) of series 1.2.3.1 delivered to pacs');
    expect(events[1]!.detail).toContain('status 0xA700');
    expect(events[0]!.actor).toEqual({ name: 'NODE', kind: 'node' });
  });

  it('flush records what is open at once (the node stopping) and nothing twice', () => {
    const { events, audit } = make();
    audit.onAttempt({ destination: 'a', seriesUid: '1.2.3.1' }, 'delivered');
    audit.flush();
    audit.flush();
    expect(events).toHaveLength(1);
  });
});
