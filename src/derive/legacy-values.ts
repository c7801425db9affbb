import dcmjs from 'dcmjs';

/**
 * Date and time values in the retired ACR-NEMA forms (`1997.04.24`, `12:30:05`) still arrive from
 * old modalities and archives (pydicom's ExplVR_BigEnd.dcm has Study Date "1997.04.24"). They are
 * not valid DA/TM any more (PS3.5 6.2 notes) and dcmjs refuses to write them, so attributes copied
 * into a derived object are brought into the current form; other values pass unchanged.
 */
const LEGACY_DA = /^(\d{4})\.(\d{2})\.(\d{2})$/;
const LEGACY_TM = /^(\d{2}):(\d{2})(?::(\d{2}(?:\.\d{1,6})?))?$/;

function vrOf(keyword: string): string | undefined {
  return dcmjs.data.DicomMetaDictionary.nameMap[keyword]?.vr;
}

function fixOne(vr: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim();
  if (vr === 'DA') {
    const m = LEGACY_DA.exec(v);
    return m ? `${m[1]}${m[2]}${m[3]}` : value;
  }
  if (vr === 'TM') {
    const m = LEGACY_TM.exec(v);
    return m ? `${m[1]}${m[2]}${m[3] ?? ''}` : value;
  }
  return value;
}

/** The value of `keyword` with legacy DA/TM forms converted (multi-valued attributes per value). */
export function currentFormValue(keyword: string, value: unknown): unknown {
  const vr = vrOf(keyword);
  if (vr !== 'DA' && vr !== 'TM') return value;
  return Array.isArray(value) ? value.map((v) => fixOne(vr, v)) : fixOne(vr, value);
}
