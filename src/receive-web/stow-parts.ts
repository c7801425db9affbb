import type { Readable } from 'node:stream';
import {
  MaxFileSizeExceededError,
  MaxPartsExceededError,
  MaxTotalSizeExceededError,
  MultipartParseError,
  parseMultipartStream,
} from '@remix-run/multipart-parser/node';
import { readPart10 } from '../dicom/part10.js';
import { DimseStatus } from '../dicom/status.js';
import { splitPart10 } from '../net/part10-envelope.js';
import type { IngestInput, IngestResult } from '../receive/receive-types.js';
import { skipPreamble } from './multipart-preamble.js';
import { isDicomPart } from './stow-media-type.js';
import { outcomeOfStatus, type PartOutcome } from './stow-response.js';

/** What a STOW-RS request needs from the node: the durable receive path and the rows it wrote. */
export interface StowPartsDeps {
  /** InstanceReceiver.ingest: answers only after the object is durably spooled (or quarantined). */
  ingest(input: IngestInput): Promise<IngestResult>;
  /** SOP Class and Instance UID of a stored or quarantined object, from its provenance row. */
  identify(result: IngestResult): { sopClassUid?: string; sopInstanceUid?: string } | undefined;
  /** A part refused before the receiver saw it (wrong media type, another study): count it against the request. */
  onRefused(bytes: number): void;
}

export interface StowPartsOptions {
  boundary: string;
  /** From the path `/studies/{study}`: every instance must belong to it (else 0xA900). */
  studyUid?: string;
  /** The client's name (the calling AE title's part) and the node's STOW AE title. */
  callingAe: string;
  calledAe: string;
  /** The associations row of this request. */
  associationId: string;
  /** limits.maxInstanceMb, stow.maxRequestMb and stow.maxInstancesPerRequest. */
  maxPartBytes: number;
  maxRequestBytes: number;
  maxParts: number;
}

/** Why reading stopped early: the parts before it were stored (or failed) and are reported. */
export interface StowStop {
  httpStatus: 400 | 413;
  code: 'PACS_E_TOO_LARGE' | 'PACS_E_BAD_REQUEST';
  message: string;
}

export interface StowPartsResult {
  outcomes: PartOutcome[];
  stop?: StowStop;
}

/** UIDs from the file meta (group 0002), or nothing when the part is not Part-10. */
function metaIds(bytes: Buffer): { sopClassUid?: string; sopInstanceUid?: string } {
  try {
    const { sopClassUid, sopInstanceUid } = splitPart10(bytes);
    return { sopClassUid: sopClassUid || undefined, sopInstanceUid: sopInstanceUid || undefined };
  } catch {
    return {};
  }
}

/** The data set's Study Instance UID, or undefined when it cannot be read (the receiver then quarantines the part). */
function studyUidOf(bytes: Buffer): string | undefined {
  try {
    const v = readPart10(bytes, { untilPixelData: true }).dataset.StudyInstanceUID;
    return typeof v === 'string' ? v.replace(/[\0\s]+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

function stopOf(err: unknown): StowStop | undefined {
  if (err instanceof MaxFileSizeExceededError) return { httpStatus: 413, code: 'PACS_E_TOO_LARGE', message: `an instance exceeds limits.maxInstanceMb (${err.message})` };
  if (err instanceof MaxTotalSizeExceededError) return { httpStatus: 413, code: 'PACS_E_TOO_LARGE', message: `the request exceeds stow.maxRequestMb (${err.message})` };
  if (err instanceof MaxPartsExceededError) return { httpStatus: 413, code: 'PACS_E_TOO_LARGE', message: `the request exceeds stow.maxInstancesPerRequest (${err.message})` };
  if (err instanceof MultipartParseError) return { httpStatus: 400, code: 'PACS_E_BAD_REQUEST', message: `malformed multipart body: ${err.message}` };
  return undefined;
}

/**
 * Reads a multipart/related body part by part (never more than one part in memory, each held to
 * `maxPartBytes`, the whole body to `maxRequestBytes`) and takes each part in through the
 * receiver, one after the other, so the body is read only as fast as the spool makes objects
 * durable. A part whose media type is not application/dicom, or whose study is not the one in the
 * path, fails without being stored. A malformed or oversize body stops the loop; what was stored
 * before stays stored (a re-send of it is acknowledged as a duplicate).
 */
export async function storeParts(body: Readable, o: StowPartsOptions, deps: StowPartsDeps): Promise<StowPartsResult> {
  const outcomes: PartOutcome[] = [];
  const parts = parseMultipartStream(skipPreamble(body, o.boundary), {
    boundary: o.boundary,
    maxFileSize: o.maxPartBytes,
    maxTotalSize: o.maxRequestBytes,
    maxParts: o.maxParts,
    maxHeaderSize: 16 * 1024,
  });
  try {
    for await (const part of parts) {
      const bytes = Buffer.concat(part.content);
      const ids = metaIds(bytes);
      if (!isDicomPart(part.headers['content-type'])) {
        deps.onRefused(bytes.length);
        outcomes.push({ kind: 'failed', ...ids, reason: DimseStatus.CannotUnderstand, why: `part of type ${part.headers['content-type']} is not application/dicom` });
        continue;
      }
      if (o.studyUid !== undefined) {
        const study = studyUidOf(bytes);
        if (study !== undefined && study !== o.studyUid) {
          deps.onRefused(bytes.length);
          // PS3.18 Table 10.5.3-1 (409 "Study Instance UID mismatch"); the reason as Table I.2-2's A9xx.
          outcomes.push({ kind: 'failed', ...ids, reason: DimseStatus.DataSetDoesNotMatchSopClass, why: `Study Instance UID ${study} is not ${o.studyUid} of the request` });
          continue;
        }
      }
      const result = await deps.ingest({ bytes, callingAe: o.callingAe, calledAe: o.calledAe, associationId: o.associationId });
      const row = deps.identify(result) ?? {};
      const named = { sopClassUid: row.sopClassUid ?? ids.sopClassUid ?? '', sopInstanceUid: row.sopInstanceUid ?? ids.sopInstanceUid ?? '' };
      outcomes.push(outcomeOfStatus(result.status, named, `${result.outcome}${result.reasonCode ? ` (${result.reasonCode})` : ''}`));
    }
  } catch (err) {
    const stop = stopOf(err);
    if (!stop) throw err;
    return { outcomes, stop };
  }
  return { outcomes };
}
