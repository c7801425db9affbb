import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPhantomSeries, phantomSliceDataset } from '../../src/dicom/phantom.js';
import { writePart10 } from '../../src/dicom/part10.js';

export interface TinyStudy {
  index: number;
  studyUid: string;
  seriesUid: string;
  files: string[];
  /** SOP Instance UID per file path. */
  sopOf: Map<string, string>;
}

/** `count` tiny CT studies (one series of `slices` slices of size×size) written under `dir`. */
export function writeTinyStudies(dir: string, count: number, slices = 3, size = 32, seedBase = 1000): TinyStudy[] {
  return Array.from({ length: count }, (_, index) => {
    const series = createPhantomSeries({ slices, rows: size, columns: size, seed: seedBase + index, noise: 4 });
    const folder = join(dir, `study-${index}`);
    mkdirSync(folder, { recursive: true });
    const sopOf = new Map<string, string>();
    const files = Array.from({ length: slices }, (_, i) => {
      const ds = phantomSliceDataset(series, i);
      const path = join(folder, `${i}.dcm`);
      writeFileSync(path, writePart10(ds));
      sopOf.set(path, String(ds.SOPInstanceUID));
      return path;
    });
    return { index, studyUid: series.StudyInstanceUID, seriesUid: series.SeriesInstanceUID, files, sopOf };
  });
}

/** SOP Instance UIDs storescu -v reports as acknowledged with Success. */
export function acknowledged(storescuOutput: string, sopOf: Map<string, string>): string[] {
  const acked: string[] = [];
  let current: string | undefined;
  for (const line of storescuOutput.split('\n')) {
    const sending = /Sending file: (.+)$/.exec(line.trim());
    if (sending) current = sending[1]!.trim();
    else if (/Received Store Response \(Success\)/.test(line) && current) {
      const sop = sopOf.get(current);
      if (sop) acked.push(sop);
      current = undefined;
    }
  }
  return acked;
}
