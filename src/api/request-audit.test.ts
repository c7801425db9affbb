import { describe, expect, it } from 'vitest';
import { requestAuditEvent, type FinishedRequest } from './request-audit.js';

const AT = 1_800_000_000_000;
const req = (over: Partial<FinishedRequest>): FinishedRequest => ({
  method: 'GET',
  route: '/api/studies/:uid',
  params: { uid: '1.2.3' },
  query: {},
  status: 200,
  account: { user: 'ana', role: 'viewer' },
  ip: '10.0.0.7',
  ...over,
});

describe('requestAuditEvent', () => {
  it('a study view is DICOM Instances Accessed (read) by the user, from their address', () => {
    expect(requestAuditEvent(req({}), AT)).toEqual({
      at: AT,
      eventId: '110103',
      action: 'R',
      outcome: 0,
      actor: { name: 'ana', kind: 'user', host: '10.0.0.7' },
      route: 'GET /api/studies/:uid',
      objects: [{ kind: 'study', id: '1.2.3' }],
    });
  });

  it('the outcome follows the HTTP status', () => {
    expect(requestAuditEvent(req({ status: 404 }), AT)!.outcome).toBe(4);
    expect(requestAuditEvent(req({ status: 500 }), AT)!.outcome).toBe(8);
  });

  it('rendered images, lineage and the study list are audited with what they touched', () => {
    expect(requestAuditEvent(req({ route: '/api/derived/:uid.png', params: { uid: '9.8' } }), AT)!.objects).toEqual([{ kind: 'instance', id: '9.8' }]);
    const q = requestAuditEvent(req({ route: '/api/studies', params: {}, query: { patient: 'DOE*' } }), AT)!;
    expect([q.eventId, q.objects]).toEqual(['110112', [{ kind: 'query', id: '{"patient":"DOE*"}' }]]);
  });

  it('refusals are audited on any route: 401 as failed authentication, 403 as a security alert', () => {
    const denied = requestAuditEvent(req({ route: '/api/status', status: 401, account: undefined }), AT)!;
    expect(denied).toMatchObject({ eventId: '110114', eventType: '110122', outcome: 4, actor: { kind: 'unauthenticated', host: '10.0.0.7' } });
    const forbidden = requestAuditEvent(req({ method: 'POST', route: '/api/config/reload', status: 403 }), AT)!;
    expect(forbidden).toMatchObject({ eventId: '110113', eventType: '110132', actor: { name: 'ana' }, route: 'POST /api/config/reload' });
  });

  it('routes that touch no patient data and change nothing are not audited', () => {
    expect(requestAuditEvent(req({ route: '/api/status', params: {} }), AT)).toBeUndefined();
    expect(requestAuditEvent(req({ route: '/healthz', params: {}, account: undefined }), AT)).toBeUndefined();
    expect(requestAuditEvent(req({ route: undefined, status: 404 }), AT)).toBeUndefined();
  });
});
