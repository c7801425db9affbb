import { describe, expect, it } from 'vitest';
import { newInstance, useTempDb } from '../../test/helpers/provenance-db.js';
import { countAssociationInstance } from '../provenance/associations.js';
import { insertInstance } from '../provenance/instances.js';
import { StowRequestLog } from '../receive-web/stow-request-log.js';
import { queryAudit } from './audit-log.js';
import { studiesOfAssociation } from './association-audit.js';

describe('association audit events from the association log', () => {
  const db = useTempDb('association-audit');
  const peer = { callingAe: 'RIS_WEB', calledAe: 'UNIMIE', remoteHost: '10.0.0.8', tls: true };

  it('a STOW-RS request that stored two studies is one Instances Transferred event per study, with its instance count', () => {
    const log = new StowRequestLog(db(), () => 5000);
    const id = log.open(peer);
    for (const [sop, study] of [['1', '1.2'], ['2', '1.2'], ['3', '7.7']] as const) {
      insertInstance(db(), { ...newInstance(`9.${sop}`, { studyUid: study, seriesUid: `${study}.1` }), associationId: id });
      countAssociationInstance(db(), id, 100);
    }
    expect(studiesOfAssociation(db(), id)).toEqual([
      { studyUid: '1.2', instances: 2 },
      { studyUid: '7.7', instances: 1 },
    ]);
    log.close(id, 'released');
    const events = queryAudit(db()).reverse();
    expect(events.map((e) => [e.eventId, e.action, e.outcome, e.studyUid, e.actor])).toEqual([
      ['110104', 'C', 0, '1.2', { name: 'RIS_WEB', kind: 'dicom-peer', host: '10.0.0.8' }],
      ['110104', 'C', 0, '7.7', { name: 'RIS_WEB', kind: 'dicom-peer', host: '10.0.0.8' }],
    ]);
    expect(events[0]!.detail).toBe('2 instance(s) stored from RIS_WEB to UNIMIE; association released');
  });

  it('a request that stored nothing is not a transfer; a refused one is a Security Alert with its reason', () => {
    const log = new StowRequestLog(db(), () => 5000);
    log.close(log.open(peer), 'aborted');
    expect(queryAudit(db())).toEqual([]);
    log.reject(peer, 'client not allowed from 10.0.0.8');
    expect(queryAudit(db()).map((e) => [e.eventId, e.eventType, e.outcome, e.detail])).toEqual([['110113', '110126', 4, 'association to UNIMIE rejected: client not allowed from 10.0.0.8']]);
  });
});
