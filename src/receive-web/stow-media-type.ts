import { MIMEType } from 'node:util';

/** The request's multipart boundary, or why its media type is refused (415). */
export type StowMediaType = { ok: true; boundary: string } | { ok: false; reason: string };

/** PS3.18 8.7.3.5.2: instances are sent as application/dicom parts, the only payload this node accepts. */
export const DICOM_PART_TYPE = 'application/dicom';

/** RFC 2046 §5.1.1: 1 to 70 characters. */
const BOUNDARY = /^.{1,70}$/s;

/**
 * Reads a STOW-RS request's Content-Type (PS3.18 10.5.1.2): `multipart/related` whose `type` is
 * `application/dicom` (metadata with bulk data, application/dicom+json or +xml, is not accepted),
 * with a boundary. A missing `type` is taken as application/dicom: some clients leave it out, and
 * each part's own Content-Type is checked as well.
 */
export function parseStowContentType(header: string | undefined): StowMediaType {
  if (!header) return { ok: false, reason: 'no Content-Type: expected multipart/related; type="application/dicom"' };
  let mime: MIMEType;
  try {
    mime = new MIMEType(header);
  } catch {
    return { ok: false, reason: 'unreadable Content-Type' };
  }
  if (mime.essence !== 'multipart/related') return { ok: false, reason: `${mime.essence} is not accepted: expected multipart/related; type="application/dicom"` };
  const type = mime.params.get('type');
  if (type !== null && type.toLowerCase() !== DICOM_PART_TYPE) {
    return { ok: false, reason: `multipart/related of ${type} is not accepted: only ${DICOM_PART_TYPE} parts (PS3.18 10.5.1.2)` };
  }
  const boundary = mime.params.get('boundary');
  if (boundary === null || !BOUNDARY.test(boundary)) return { ok: false, reason: 'multipart/related without a valid boundary' };
  return { ok: true, boundary };
}

/** Whether a part's own Content-Type allows it as a DICOM object (absent: the request's type applies). */
export function isDicomPart(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  try {
    return new MIMEType(contentType).essence === DICOM_PART_TYPE;
  } catch {
    return false;
  }
}
