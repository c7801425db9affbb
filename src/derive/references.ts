import type { Dataset } from '../dicom/part10.js';
import { codeItem, SOURCE_IMAGE_FOR_PROCESSING, SOURCE_SERIES_FOR_PROCESSING } from './codes.js';

/** The source image (and frame) a derived instance was computed from. */
export interface SourceImageRef {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  /** 1-based Referenced Frame Number; only for multi-frame sources. */
  frameNumber?: number;
  /** Whether the derived pixels keep the source's spatial locations (PS3.3 C.12.4.1.2). */
  spatialLocationsPreserved: 'YES' | 'NO';
}

/**
 * Source Image Sequence (0008,2112), Image SOP Instance Reference Macro + purpose (PS3.3
 * C.12.4 / Table 10-3): purpose (121322, DCM) from CID 7202.
 */
export function sourceImageSequence(refs: readonly SourceImageRef[]): Dataset[] {
  return refs.map((ref) => {
    const item: Dataset = {
      ReferencedSOPClassUID: ref.sopClassUid,
      ReferencedSOPInstanceUID: ref.sopInstanceUid,
    };
    if (ref.frameNumber !== undefined) item.ReferencedFrameNumber = [ref.frameNumber];
    item.PurposeOfReferenceCodeSequence = [codeItem(SOURCE_IMAGE_FOR_PROCESSING)];
    item.SpatialLocationsPreserved = ref.spatialLocationsPreserved;
    return item;
  });
}

/**
 * Referenced Series Sequence (0008,1115) of the Common Instance Reference Module (PS3.3 C.12.2):
 * required because Source Image Sequence references instances of other series of the same study.
 */
export function referencedSeriesSequence(refs: readonly SourceImageRef[], studyInstanceUid: string): Dataset[] {
  const bySeries = new Map<string, Dataset[]>();
  for (const ref of refs) {
    if (ref.studyInstanceUid !== studyInstanceUid) continue;
    const list = bySeries.get(ref.seriesInstanceUid) ?? [];
    if (!list.some((i) => i.ReferencedSOPInstanceUID === ref.sopInstanceUid)) {
      list.push({ ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid });
    }
    bySeries.set(ref.seriesInstanceUid, list);
  }
  return [...bySeries].map(([seriesUid, instances]) => ({
    SeriesInstanceUID: seriesUid,
    ReferencedInstanceSequence: instances,
  }));
}

/**
 * Related Series Sequence (0008,1250) of the General Series Module (PS3.3 C.7.3.1): the source
 * series with purpose (121323, DCM) from CID 7210.
 */
export function relatedSeriesSequence(refs: readonly SourceImageRef[]): Dataset[] {
  const seen = new Set<string>();
  const out: Dataset[] = [];
  for (const ref of refs) {
    const key = `${ref.studyInstanceUid}|${ref.seriesInstanceUid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      StudyInstanceUID: ref.studyInstanceUid,
      SeriesInstanceUID: ref.seriesInstanceUid,
      PurposeOfReferenceCodeSequence: [codeItem(SOURCE_SERIES_FOR_PROCESSING)],
    });
  }
  return out;
}

/**
 * Hierarchical SOP Instance Reference Macro (PS3.3 Table C.17-3), one item per study: e.g. the
 * Source Image Evidence Sequence (0008,9154) of the Enhanced CT/MR Image modules, which lists every
 * instance the frames' Source Image Sequences name.
 */
export function hierarchicalReferences(refs: readonly SourceImageRef[]): Dataset[] {
  const studies = new Map<string, Map<string, Map<string, string>>>();
  for (const ref of refs) {
    const series = studies.get(ref.studyInstanceUid) ?? new Map<string, Map<string, string>>();
    const instances = series.get(ref.seriesInstanceUid) ?? new Map<string, string>();
    instances.set(ref.sopInstanceUid, ref.sopClassUid);
    series.set(ref.seriesInstanceUid, instances);
    studies.set(ref.studyInstanceUid, series);
  }
  return [...studies].map(([studyUid, series]) => ({
    StudyInstanceUID: studyUid,
    ReferencedSeriesSequence: [...series].map(([seriesUid, instances]) => ({
      SeriesInstanceUID: seriesUid,
      ReferencedSOPSequence: [...instances].map(([sopUid, classUid]) => ({ ReferencedSOPClassUID: classUid, ReferencedSOPInstanceUID: sopUid })),
    })),
  }));
}
