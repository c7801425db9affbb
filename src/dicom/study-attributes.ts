import type { Dataset } from './part10.js';

/** The study-level attributes a worklist shows (PS3.3 C.7.1.1 Patient, C.7.2.1 General Study). */
export interface StudyAttributes {
  /** Person Name as received (decoded text), component groups joined by `=` (PS3.5 6.2.1). */
  patientName: string | null;
  patientId: string | null;
  patientBirthDate: string | null;
  accessionNumber: string | null;
  studyDate: string | null;
  studyTime: string | null;
  studyDescription: string | null;
  referringPhysicianName: string | null;
}

/**
 * One Person Name value as dcmjs naturalizes it (`{ Alphabetic, Ideographic, Phonetic }`, or a
 * plain string) back in its DICOM string form: `Alphabetic=Ideographic=Phonetic`, trailing empty
 * groups dropped.
 */
function personName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const pn = v as { Alphabetic?: unknown; Ideographic?: unknown; Phonetic?: unknown };
    const groups = [pn.Alphabetic, pn.Ideographic, pn.Phonetic].map((g) => (typeof g === 'string' ? g : ''));
    while (groups.length > 0 && groups[groups.length - 1] === '') groups.pop();
    return groups.join('=');
  }
  return undefined;
}

/** A text value with its padding trimmed (PS3.5 6.2); values of a multi-valued element joined by `\`. */
function value(ds: Dataset, keyword: string, pn = false): string | null {
  const raw = ds[keyword];
  const values = (Array.isArray(raw) ? raw : [raw]).map((v) => (pn ? personName(v) : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined));
  const text = values
    .filter((v): v is string => v !== undefined)
    .map((v) => v.replace(/[\0\s]+$/, '').replace(/^\s+/, ''))
    .join('\\')
    .replace(/\\+$/, '');
  return text === '' ? null : text;
}

/** The worklist attributes of a keyword-keyed data set; each null when absent or empty. */
export function studyAttributesOf(ds: Dataset): StudyAttributes {
  return {
    patientName: value(ds, 'PatientName', true),
    patientId: value(ds, 'PatientID'),
    patientBirthDate: value(ds, 'PatientBirthDate'),
    accessionNumber: value(ds, 'AccessionNumber'),
    studyDate: value(ds, 'StudyDate'),
    studyTime: value(ds, 'StudyTime'),
    studyDescription: value(ds, 'StudyDescription'),
    referringPhysicianName: value(ds, 'ReferringPhysicianName', true),
  };
}
