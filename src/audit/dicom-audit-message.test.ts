import { describe, expect, it } from 'vitest';
import { validateAuditMessage } from '../../test/helpers/audit-schema.js';
import { requestAuditEvent, type FinishedRequest } from '../api/request-audit.js';
import { ROUTE_AUDIT } from '../api/route-audit.js';
import type { AuditEvent } from './audit-event.js';
import { dicomAuditMessage, type AuditSource } from './dicom-audit-message.js';
import { associationRejectedEvent, associationStoredEvents, deliveryEvent } from './transfer-events.js';

const AT = Date.UTC(2026, 11, 6, 15, 0, 0, 123);
const SOURCE: AuditSource = { aeTitle: 'UNIMIE_NODE', host: 'pacs-node-1', processId: 4242 };

const request = (over: Partial<FinishedRequest>): FinishedRequest => ({
  method: 'GET',
  route: '/api/studies/:uid',
  params: { uid: '1.2.3', id: '17' },
  query: { patient: 'DOE*', modality: 'CT' },
  status: 200,
  account: { user: 'dr.ana', role: 'viewer' },
  ip: '10.0.0.7',
  ...over,
});

/** Every kind of event the node records: API routes, refusals, CLI user changes, associations, exports, reloads. */
function everyEventKind(): Array<[string, AuditEvent]> {
  const api = Object.keys(ROUTE_AUDIT).map((key): [string, AuditEvent] => {
    const [method, route] = key.split(' ') as [string, string];
    return [key, requestAuditEvent(request({ method, route }), AT)!];
  });
  const association = { id: 'a-1', callingAeTitle: 'MODALITY', calledAeTitle: 'UNIMIE_NODE', remoteAddress: '192.168.1.20' };
  return [
    ...api,
    ['401', requestAuditEvent(request({ status: 401, account: undefined }), AT)!],
    ['403', requestAuditEvent(request({ status: 403, method: 'POST', route: '/api/config/reload' }), AT)!],
    ['404 study view', requestAuditEvent(request({ status: 404 }), AT)!],
    [
      'users add (CLI)',
      { at: AT, eventId: '110113', eventType: '110136', action: 'E', outcome: 0, actor: { name: 'root', kind: 'command-line', host: 'pacs-node-1' }, route: 'users add', objects: [{ kind: 'user', id: 'dr.ana' }], detail: 'added with role viewer' },
    ],
    [
      'audit (CLI)',
      { at: AT, eventId: '110101', action: 'R', outcome: 0, actor: { name: 'root', kind: 'command-line', host: 'pacs-node-1' }, route: 'audit', objects: [{ kind: 'query', id: '{"user":"dr.ana"}' }] },
    ],
    ['association stored', associationStoredEvents({ id: 'a-1', callingAe: 'MODALITY', calledAe: 'UNIMIE_NODE', remoteHost: '192.168.1.20', outcome: 'released', failures: 0 }, [{ studyUid: '1.2.3', instances: 12 }], AT)[0]!],
    ['association rejected', associationRejectedEvent(association, 'calling AE title not allowed', AT)],
    ['export delivered', deliveryEvent({ destination: 'pacs', seriesUid: '1.2.3.4', studyUid: '1.2.3', verdict: 'delivered', instances: 40 }, 'UNIMIE_NODE', AT)],
    ['export dead, study unknown', deliveryEvent({ destination: 'pacs', seriesUid: '1.2.3.4', verdict: 'dead', instances: 2, lastError: 'C-STORE status 0xA700' }, 'UNIMIE_NODE', AT)],
    ['series view resolved to its study', { ...requestAuditEvent(request({ route: '/api/series/:uid' }), AT)!, studyUid: '1.2.3' }],
    [
      'patient',
      { at: AT, eventId: '110103', action: 'R', outcome: 0, actor: { name: 'dr.ana', kind: 'user', host: 'fe80::1' }, objects: [{ kind: 'patient', id: 'PID-0001' }] },
    ],
  ];
}

describe('DICOM audit message (PS3.15 A.5.1)', () => {
  it.each(everyEventKind())('%s validates against the PS3.15 schema', (_name, event) => {
    const xml = dicomAuditMessage(event, SOURCE);
    const result = validateAuditMessage(xml);
    expect(result.errors).not.toMatch(/error/);
    expect(result.valid).toBe(true);
  });

  it('a message the schema refuses fails validation (the check can fail)', () => {
    const xml = dicomAuditMessage(requestAuditEvent(request({}), AT)!, SOURCE);
    expect(validateAuditMessage(xml).valid).toBe(true);
    expect(validateAuditMessage(xml.replace(/<ParticipantObjectName>[^<]*<\/ParticipantObjectName>/, '')).valid).toBe(false);
    expect(validateAuditMessage(xml.replace('EventOutcomeIndicator="0"', 'EventOutcomeIndicator="3"')).valid).toBe(false);
    expect(validateAuditMessage(xml.replace(/ originalText="[^"]*"/, '')).valid).toBe(false);
    expect(validateAuditMessage(dicomAuditMessage({ ...requestAuditEvent(request({}), AT)!, outcome: 2 as 0 }, SOURCE)).valid).toBe(false);
  });

  it('a study view: EventID, time with zone, the user as requestor from their address, the node, the study', () => {
    const xml = dicomAuditMessage(requestAuditEvent(request({}), AT)!, SOURCE);
    expect(xml).toContain('<EventIdentification EventActionCode="R" EventDateTime="2026-12-06T15:00:00.123Z" EventOutcomeIndicator="0">');
    expect(xml).toContain('<EventID csd-code="110103" codeSystemName="DCM" originalText="DICOM Instances Accessed"/>');
    expect(xml).toContain('<ActiveParticipant UserID="dr.ana" UserIsRequestor="true" NetworkAccessPointID="10.0.0.7" NetworkAccessPointTypeCode="2">');
    expect(xml).toContain('<ActiveParticipant UserID="UNIMIE_NODE" AlternativeUserID="4242" UserIsRequestor="false" NetworkAccessPointID="pacs-node-1" NetworkAccessPointTypeCode="1">');
    expect(xml).toContain('<AuditSourceIdentification AuditSourceID="UNIMIE_NODE@pacs-node-1"><AuditSourceTypeCode csd-code="4"/></AuditSourceIdentification>');
    expect(xml).toContain(
      '<ParticipantObjectIdentification ParticipantObjectID="1.2.3" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3"><ParticipantObjectIDTypeCode csd-code="110180" codeSystemName="DCM" originalText="Study Instance UID"/>',
    );
  });

  it('a received study: the calling AE is the source, the node the destination (110153 / 110152)', () => {
    const [e] = associationStoredEvents({ id: 'a-1', callingAe: 'CT1', calledAe: 'NODE', remoteHost: '10.1.1.1', outcome: 'aborted', failures: 1 }, [{ studyUid: '1.2.3', instances: 3 }], AT);
    const xml = dicomAuditMessage(e!, SOURCE);
    expect(e!.outcome).toBe(4);
    expect(xml).toMatch(/<ActiveParticipant UserID="CT1" UserIsRequestor="true"[^>]*><RoleIDCode csd-code="110153"/);
    expect(xml).toMatch(/<ActiveParticipant UserID="UNIMIE_NODE"[^>]*UserIsRequestor="false"[^>]*><RoleIDCode csd-code="110152"/);
  });

  it('an export: the node requests as the source, the destination receives', () => {
    const xml = dicomAuditMessage(deliveryEvent({ destination: 'main-pacs', seriesUid: '1.9', studyUid: '1.2.3', verdict: 'delivered', instances: 1 }, 'UNIMIE_NODE', AT), SOURCE);
    expect(xml).toMatch(/<ActiveParticipant UserID="UNIMIE_NODE"[^>]*UserIsRequestor="true"[^>]*><RoleIDCode csd-code="110153"/);
    expect(xml).toMatch(/<ActiveParticipant UserID="main-pacs" UserIsRequestor="false"><RoleIDCode csd-code="110152"/);
    expect(xml.match(/<ActiveParticipant /g)).toHaveLength(2);
  });

  it('a query carries its parameters base64-encoded (role 24), a user change the user as Security User Entity', () => {
    const q = dicomAuditMessage(requestAuditEvent(request({ route: '/api/studies', params: {} }), AT)!, SOURCE);
    const encoded = /<ParticipantObjectQuery>([^<]+)<\/ParticipantObjectQuery>/.exec(q)![1]!;
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual({ patient: 'DOE*', modality: 'CT' });
    expect(q).toContain('ParticipantObjectTypeCodeRole="24"');
    const u = dicomAuditMessage({ at: AT, eventId: '110113', eventType: '110137', action: 'E', outcome: 0, actor: { name: 'root', kind: 'command-line' }, objects: [{ kind: 'user', id: 'bob' }] }, SOURCE);
    expect(u).toContain('<ParticipantObjectIdentification ParticipantObjectID="bob" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="11">');
    expect(u).toContain('<EventTypeCode csd-code="110137" codeSystemName="DCM"');
  });

  it('escapes markup and drops characters XML cannot carry, so hostile names stay well-formed and valid', () => {
    const e: AuditEvent = {
      at: AT,
      eventId: '110113',
      eventType: '110126',
      action: 'E',
      outcome: 4,
      actor: { name: 'EVIL"<AE>&\u0001', kind: 'dicom-peer', host: ' 10.0.0.9 ' },
      objects: [{ kind: 'study', id: '   ' }, { kind: 'patient', id: "O'Brien </ParticipantObjectName>" }],
      detail: 'rejected: <script>\n&amp;',
    };
    const xml = dicomAuditMessage(e, SOURCE);
    expect(xml).toContain('UserID="EVIL&#34;&#60;AE&#62;&#38;\uFFFD"');
    expect(xml).toContain('rejected: &#60;script&#62;&#10;&#38;amp;');
    expect(validateAuditMessage(xml).valid).toBe(true);
  });
});
