import type { Db } from '../provenance/database.js';
import { getDerivedSeries } from '../provenance/derived-series.js';
import { findBySop } from '../provenance/instances.js';
import { lineageOf } from '../provenance/lineage.js';
import { getSeries } from '../provenance/series.js';
import type { AuditObject } from './audit-event.js';

/** The study a series or instance UID belongs to, received or derived here; undefined when the node does not know it. */
export function studyOf(db: Db, o: AuditObject): string | undefined {
  switch (o.kind) {
    case 'study':
      return o.id;
    case 'series':
      return getSeries(db, o.id)?.studyUid ?? getDerivedSeries(db, o.id)?.studyUid;
    case 'instance': {
      const received = findBySop(db, o.id)[0]?.studyUid;
      if (received) return received;
      const derivation = lineageOf(db, o.id).derivedFrom?.derivation;
      return derivation ? getDerivedSeries(db, derivation.derivedSeriesUid)?.studyUid : undefined;
    }
    default:
      return undefined;
  }
}
