/**
 * Value formatting for the attributes the derive stage writes itself: length limits per VR
 * (PS3.5 Table 6.2-1) and DA/TM/DT rendering of the processing time.
 */

/** Maximum characters per value for the text VRs we write. */
export const VR_MAX_CHARS = { SH: 16, LO: 64, ST: 1024, LT: 10240 } as const;
export type TextVr = keyof typeof VR_MAX_CHARS;

const ELLIPSIS = '...';

/**
 * Fits free text into one value of the VR: control characters (other than none for single-line
 * VRs) become spaces; for SH/LO, whose backslash is the value delimiter, `\` becomes `/`;
 * over-long text is cut on a code-point boundary (never inside a surrogate pair) and ends with
 * "..." so a reader sees it was cut.
 */
export function fitText(text: string, vr: TextVr): string {
  const max = VR_MAX_CHARS[vr];
  const singleLine = vr === 'SH' || vr === 'LO';
  let clean = singleLine ? text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\\/g, '/') : text.replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g, ' ');
  clean = clean.trimEnd();
  const points = Array.from(clean);
  if (points.length <= max && clean.length <= max) return clean;
  // JS string length counts UTF-16 units; the VR limit counts characters. Staying within
  // `max` UTF-16 units is the stricter of the two, so cut on code points until it fits.
  const kept: string[] = [];
  let units = 0;
  for (const p of points) {
    if (units + p.length > max - ELLIPSIS.length) break;
    kept.push(p);
    units += p.length;
  }
  return kept.join('').trimEnd() + ELLIPSIS;
}

/** True when every character is in the DICOM default repertoire (ASCII). */
export function isDefaultRepertoire(text: string): boolean {
  return /^[\u0000-\u007f]*$/.test(text);
}

/** Parses Timezone Offset From UTC (`&ZZXX`, PS3.3 C.12.1.1.8) into minutes, or undefined. */
export function parseTimezoneOffset(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([+-])(\d{2})(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export interface DicomDateTime {
  /** DA: YYYYMMDD */
  date: string;
  /** TM: HHMMSS.FFFFFF (milliseconds resolution) */
  time: string;
  /** DT: YYYYMMDDHHMMSS.FFFFFF&ZZXX — always with an explicit offset. */
  dateTime: string;
}

/**
 * Renders an instant in the given offset from UTC (minutes; 0 = UTC). DA and TM carry no offset
 * themselves: they are read in the instance's Timezone Offset From UTC, so the caller passes the
 * offset the instance declares (or 0 when it declares none).
 */
export function formatDicomDateTime(at: Date, offsetMinutes = 0): DicomDateTime {
  if (Number.isNaN(at.getTime())) throw new RangeError('invalid date');
  const shifted = new Date(at.getTime() + offsetMinutes * 60_000);
  const date = `${shifted.getUTCFullYear()}${pad(shifted.getUTCMonth() + 1)}${pad(shifted.getUTCDate())}`;
  const time = `${pad(shifted.getUTCHours())}${pad(shifted.getUTCMinutes())}${pad(shifted.getUTCSeconds())}.${pad(shifted.getUTCMilliseconds(), 3)}000`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  return { date, time, dateTime: `${date}${time}${offset}` };
}
