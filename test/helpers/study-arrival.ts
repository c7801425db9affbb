import type { StudyAttributes } from '../../src/dicom/study-attributes.js';
import type { Db } from '../../src/provenance/database.js';
import { insertInstance } from '../../src/provenance/instances.js';
import { recordSeriesArrival } from '../../src/provenance/series.js';
import { recordStudyAttributes } from '../../src/provenance/studies.js';
import { newInstance } from './provenance-db.js';

/** A study with none of its worklist attributes known. */
export const NO_STUDY_ATTRIBUTES: StudyAttributes = {
  patientName: null,
  patientId: null,
  patientBirthDate: null,
  accessionNumber: null,
  studyDate: null,
  studyTime: null,
  studyDescription: null,
  referringPhysicianName: null,
};

/** One instance (`sop`, default `<series>.1`) of a series of a study arriving, with the study's attributes: the rows the receiver writes. */
export function arriveInStudy(
  db: Db,
  a: { study: string; series: string; modality: string; at: number; attrs?: Partial<StudyAttributes>; sop?: string },
): void {
  const sop = a.sop ?? `${a.series}.1`;
  insertInstance(db, newInstance(sop, { studyUid: a.study, seriesUid: a.series, receivedAt: a.at, sha256: `sha-${sop}-${a.at}` }));
  recordSeriesArrival(db, { seriesUid: a.series, studyUid: a.study, modality: a.modality, receivedAt: a.at });
  recordStudyAttributes(db, a.study, { ...NO_STUDY_ATTRIBUTES, ...a.attrs });
}
