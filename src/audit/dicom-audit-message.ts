/**
 * An audit event as a DICOM Audit Message (PS3.15 A.5.1, the RFC 3881 derived XML schema), ready
 * for an audit repository (IHE ATNA). Pure: the node's identity is passed in.
 */
import { AUDIT_EVENT_IDS, AUDIT_EVENT_TYPES } from './audit-codes.js';
import type { AuditActor, AuditEvent, AuditObject } from './audit-event.js';
import { xmlEscape } from './xml-text.js';

/** Who reports the event: this node (AuditSourceIdentification, and its own ActiveParticipant). */
export interface AuditSource {
  aeTitle: string;
  /** Host name of the machine the node runs on. */
  host: string;
  /** Operating-system process id (AlternativeUserID of the node's participant, PS3.15 A.5.2.1). */
  processId: number;
}

interface Code {
  code: string;
  system: string;
  meaning: string;
}

const dcm = (code: string, meaning: string): Code => ({ code, system: 'DCM', meaning });
const rfc3881 = (code: string, meaning: string): Code => ({ code, system: 'RFC-3881', meaning });
/** Codes of this implementation for objects neither DCM nor RFC 3881 names (see the conformance statement). */
const local = (code: string, meaning: string): Code => ({ code, system: 'UNIMIE-PACS-NODE', meaning });

const ROLE_SOURCE = dcm('110153', 'Source Role ID');
const ROLE_DESTINATION = dcm('110152', 'Destination Role ID');
const ROLE_APPLICATION = dcm('110150', 'Application');

/** PS3.15 A.5.1.2.1: 4 = application server process. */
const AUDIT_SOURCE_TYPE = '4';

interface ParticipantObject {
  id: string;
  idType: Code;
  typeCode: 1 | 2 | 3 | 4;
  role?: number;
  /** ParticipantObjectName, or ParticipantObjectQuery (base64) when `query` is set; the schema wants one of them. */
  name?: string;
  query?: string;
  details?: Array<{ type: string; value: string }>;
}

interface Participant {
  userId: string;
  alternativeUserId?: string;
  requestor: boolean;
  host?: string;
  roles: Code[];
}

const attr = (name: string, value: string | number | undefined): string => (value === undefined ? '' : ` ${name}="${xmlEscape(String(value))}"`);
const codeElement = (tag: string, c: Code): string => `<${tag}${attr('csd-code', c.code)}${attr('codeSystemName', c.system)}${attr('originalText', c.meaning)}/>`;
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
/** xsd:token collapses white space: an ID that is empty after that is not a usable identifier. */
const token = (s: string): string => s.replace(/[\t\n\r ]+/g, ' ').trim() || '-';
const IPV4_OR_V6 = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;

/** The ParticipantObjectIdentification of one audited object (PS3.15 A.5.3 and RFC 3881 5.5). */
function participantObject(o: AuditObject, e: AuditEvent): ParticipantObject | undefined {
  switch (o.kind) {
    case 'study':
      return { id: o.id, idType: dcm('110180', 'Study Instance UID'), typeCode: 2, role: 3, name: o.id };
    case 'series':
    case 'instance': {
      // DICOM audits studies (110180); which series or instance within it is a detail of that study.
      const detail = { type: o.kind === 'series' ? 'SeriesInstanceUID' : 'SOPInstanceUID', value: base64(o.id) };
      if (e.studyUid) return { id: e.studyUid, idType: dcm('110180', 'Study Instance UID'), typeCode: 2, role: 3, name: e.studyUid, details: [detail] };
      return { id: o.id, idType: local(o.kind, o.kind === 'series' ? 'Series Instance UID' : 'SOP Instance UID'), typeCode: 2, role: 3, name: o.id };
    }
    case 'patient':
      return { id: o.id, idType: rfc3881('2', 'Patient Number'), typeCode: 1, role: 1, name: o.id };
    case 'user':
      return { id: o.id, idType: rfc3881('11', 'User Identifier'), typeCode: 1, role: 11, name: o.id };
    case 'query':
      return { id: e.route ?? 'query', idType: rfc3881('10', 'Search Criteria'), typeCode: 2, role: 24, query: o.id };
    case 'configuration':
      return { id: o.id, idType: rfc3881('12', 'URI'), typeCode: 2, role: 13, name: o.id };
    case 'job':
      return { id: o.id, idType: local('job', 'Job ID'), typeCode: 2, role: 20, name: o.id };
    case 'delivery':
      return { id: o.id, idType: local('delivery', 'Delivery ID'), typeCode: 2, role: 20, name: o.id };
    case 'destination':
      return undefined; // an ActiveParticipant (the receiving node), not an object
  }
}

function participantXml(p: Participant): string {
  const point = p.host === undefined ? '' : `${attr('NetworkAccessPointID', token(p.host))}${attr('NetworkAccessPointTypeCode', IPV4_OR_V6.test(p.host) ? 2 : 1)}`;
  const roles = p.roles.map((r) => codeElement('RoleIDCode', r)).join('');
  return `<ActiveParticipant${attr('UserID', p.userId)}${attr('AlternativeUserID', p.alternativeUserId)}${attr('UserIsRequestor', String(p.requestor))}${point}>${roles}</ActiveParticipant>`;
}

function objectXml(o: ParticipantObject): string {
  const nameOrQuery = o.query !== undefined ? `<ParticipantObjectQuery>${base64(o.query)}</ParticipantObjectQuery>` : `<ParticipantObjectName>${xmlEscape(token(o.name ?? o.id))}</ParticipantObjectName>`;
  const details = (o.details ?? []).map((d) => `<ParticipantObjectDetail${attr('type', d.type)}${attr('value', d.value)}/>`).join('');
  return (
    `<ParticipantObjectIdentification${attr('ParticipantObjectID', token(o.id))}${attr('ParticipantObjectTypeCode', o.typeCode)}${attr('ParticipantObjectTypeCodeRole', o.role)}>` +
    `${codeElement('ParticipantObjectIDTypeCode', o.idType)}${nameOrQuery}${details}</ParticipantObjectIdentification>`
  );
}

/**
 * Roles of the requesting actor and of the node in a transfer (PS3.15 A.5.3.4, DICOM Instances
 * Transferred): action C = the actor sent to the node, action R = the node sent to a destination.
 */
function transferRoles(e: AuditEvent): { actor: Code[]; node: Code[] } {
  if (e.eventId !== '110104') return { actor: [], node: e.eventId === '110100' ? [ROLE_APPLICATION] : [] };
  return e.action === 'C' ? { actor: [ROLE_SOURCE], node: [ROLE_DESTINATION] } : { actor: [ROLE_DESTINATION], node: [ROLE_SOURCE] };
}

function actorParticipant(a: AuditActor, roles: Code[]): Participant {
  return { userId: a.name, requestor: true, ...(a.host !== undefined ? { host: a.host } : {}), roles };
}

/** The DICOM Audit Message (PS3.15 A.5.1) of one event, as an XML document. */
export function dicomAuditMessage(e: AuditEvent, source: AuditSource): string {
  const roles = transferRoles(e);
  const nodeIsActor = e.actor.kind === 'node';
  const participants: Participant[] = [];
  if (!nodeIsActor) participants.push(actorParticipant(e.actor, e.eventId === '110104' && e.action === 'C' ? roles.actor : []));
  participants.push({ userId: source.aeTitle, alternativeUserId: String(source.processId), requestor: nodeIsActor, host: source.host, roles: roles.node });
  for (const d of e.objects.filter((o) => o.kind === 'destination')) {
    participants.push({ userId: d.id, requestor: false, roles: roles.actor });
  }
  const objects = e.objects.map((o) => participantObject(o, e)).filter((o): o is ParticipantObject => o !== undefined);
  if (e.eventId === '110101') {
    // PS3.15 A.5.3.2 Audit Log Used: the log itself is a participant object.
    objects.unshift({ id: `urn:audit-log:${source.aeTitle}`, idType: rfc3881('12', 'URI'), typeCode: 2, role: 13, name: 'Security Audit Log' });
  }

  const eventType = e.eventType ? codeElement('EventTypeCode', dcm(e.eventType, AUDIT_EVENT_TYPES[e.eventType])) : '';
  const description = [e.detail, e.route].filter((s) => s !== undefined && s !== '').join(' — ');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<AuditMessage>` +
    `<EventIdentification${attr('EventActionCode', e.action)}${attr('EventDateTime', new Date(e.at).toISOString())}${attr('EventOutcomeIndicator', e.outcome)}>` +
    `${codeElement('EventID', dcm(e.eventId, AUDIT_EVENT_IDS[e.eventId]))}${eventType}` +
    `${description ? `<EventOutcomeDescription>${xmlEscape(description)}</EventOutcomeDescription>` : ''}</EventIdentification>` +
    participants.map(participantXml).join('') +
    `<AuditSourceIdentification${attr('AuditSourceID', token(`${source.aeTitle}@${source.host}`))}><AuditSourceTypeCode csd-code="${AUDIT_SOURCE_TYPE}"/></AuditSourceIdentification>` +
    objects.map(objectXml).join('') +
    `</AuditMessage>`
  );
}
