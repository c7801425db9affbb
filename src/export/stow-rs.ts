import { randomBytes } from 'node:crypto';
import type { ScuStoreOutcome } from '../net/scu-outcome.js';

/**
 * The pure parts of a STOW-RS client (PS3.18 10.5): the multipart/related request body, the
 * response's Failed SOP Sequence / Referenced SOP Sequence, and what an HTTP status means for
 * each instance. No I/O here.
 */

/** A STOW-RS request body: one application/dicom part per Part-10 file (PS3.18 10.5.1.2.1). */
export interface StowBody {
  contentType: string;
  body: Buffer;
}

/** A boundary that cannot occur in the parts: random, and checked against every part. */
function boundaryFor(parts: readonly Buffer[], random: () => Buffer): string {
  for (;;) {
    const boundary = `DICOMwebBoundary${random().toString('hex')}`;
    const marker = Buffer.from(`--${boundary}`);
    if (!parts.some((p) => p.includes(marker))) return boundary;
  }
}

/** Builds `multipart/related; type="application/dicom"` from Part-10 files. */
export function buildStowBody(parts: readonly Buffer[], random: () => Buffer = () => randomBytes(16)): StowBody {
  const boundary = boundaryFor(parts, random);
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/**
 * Splits a batch into STOW-RS requests: the instances of one series together (in their order),
 * cut at `maxInstances` and `maxBytes` per request (a single larger instance goes alone).
 */
export function stowRequests<T>(items: readonly T[], o: { seriesOf: (item: T) => string; sizeOf: (item: T) => number; maxInstances: number; maxBytes: number }): T[][] {
  const bySeries = new Map<string, T[]>();
  for (const item of items) {
    const key = o.seriesOf(item);
    const list = bySeries.get(key);
    if (list) list.push(item);
    else bySeries.set(key, [item]);
  }
  const requests: T[][] = [];
  for (const series of bySeries.values()) {
    let current: T[] = [];
    let bytes = 0;
    for (const item of series) {
      const size = o.sizeOf(item);
      if (current.length > 0 && (current.length >= o.maxInstances || bytes + size > o.maxBytes)) {
        requests.push(current);
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += size;
    }
    if (current.length > 0) requests.push(current);
  }
  return requests;
}

/** One instance as the STOW response names it. */
export interface StowInstanceResult {
  sopInstanceUid: string;
  /** Failure Reason (0008,1197) for a failed instance; Warning Reason (0008,1196) for a stored one, where given. */
  reason?: number;
}

/** The parts of a STOW response the queue needs (PS3.18 Table 10.5.3-1). */
export interface StowResponse {
  stored: StowInstanceResult[];
  failed: StowInstanceResult[];
  /** False for an empty or non-JSON body (some servers answer 200 with nothing). */
  present: boolean;
}

type JsonAttr = { vr?: string; Value?: unknown[] } | undefined;
type JsonDataset = Record<string, JsonAttr>;

const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_SEQUENCE = '00081199';
const REFERENCED_SOP_INSTANCE_UID = '00081155';
const FAILURE_REASON = '00081197';
const WARNING_REASON = '00081196';

function items(ds: JsonDataset, tag: string): JsonDataset[] {
  const v = ds[tag]?.Value;
  return Array.isArray(v) ? v.filter((i): i is JsonDataset => typeof i === 'object' && i !== null) : [];
}

function first(ds: JsonDataset, tag: string): unknown {
  const v = ds[tag]?.Value;
  return Array.isArray(v) ? v[0] : undefined;
}

function instanceResult(ds: JsonDataset, reasonTag: string): StowInstanceResult | undefined {
  const uid = first(ds, REFERENCED_SOP_INSTANCE_UID);
  if (typeof uid !== 'string' || uid === '') return undefined;
  const reason = first(ds, reasonTag);
  return { sopInstanceUid: uid, ...(typeof reason === 'number' ? { reason } : {}) };
}

/**
 * Reads an application/dicom+json STOW response: a JSON data set, or (as some servers send) an
 * array holding one. Anything unreadable gives `present: false`.
 */
export function parseStowResponse(body: string): StowResponse {
  let json: unknown;
  try {
    json = body.trim() === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  const ds = (Array.isArray(json) ? json[0] : json) as JsonDataset | undefined;
  if (typeof ds !== 'object' || ds === null) return { stored: [], failed: [], present: false };
  const pick = (tag: string, reasonTag: string) =>
    items(ds, tag)
      .map((i) => instanceResult(i, reasonTag))
      .filter((r): r is StowInstanceResult => r !== undefined);
  return { stored: pick(REFERENCED_SOP_SEQUENCE, WARNING_REASON), failed: pick(FAILED_SOP_SEQUENCE, FAILURE_REASON), present: true };
}

/**
 * Whether a failed request can succeed later. 5xx, 408 (timeout) and 429 (rate limit) can; every
 * other 4xx (bad request, unauthorized, forbidden, unsupported media type, too large) cannot.
 */
export function isTransientHttpStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * One outcome per sent instance, in order, from the HTTP status and the STOW response.
 *
 * - An instance in the Referenced SOP Sequence is stored (status 0x0000, or its Warning Reason:
 *   a warning status, which the queue counts as stored, PS3.4 B.2.3).
 * - An instance in the Failed SOP Sequence carries its Failure Reason as the status, so the queue
 *   classifies it like a C-STORE failure (0xA7xx and 0x0110 retried, 0xA9xx, 0xC000… dead), on
 *   200, 202 and 409 alike.
 * - Without a per-instance answer, the HTTP status decides for the whole request: 2xx with no
 *   response body means all stored; 2xx with a body that leaves an instance out is a retry (the
 *   server did not say); other statuses are permanent or transient per {@link isTransientHttpStatus}.
 */
export function stowOutcomes(sopInstanceUids: readonly string[], httpStatus: number, statusText: string, response: StowResponse): ScuStoreOutcome[] {
  const stored = new Map(response.stored.map((r) => [r.sopInstanceUid, r]));
  const failed = new Map(response.failed.map((r) => [r.sopInstanceUid, r]));
  const ok = httpStatus >= 200 && httpStatus < 300;
  const http = `HTTP ${httpStatus}${statusText ? ` ${statusText}` : ''}`;
  return sopInstanceUids.map((uid): ScuStoreOutcome => {
    const f = failed.get(uid);
    if (f) {
      if (f.reason !== undefined) return { sopInstanceUid: uid, status: f.reason, error: `STOW-RS: failure reason ${hex(f.reason)} (${http})` };
      return { sopInstanceUid: uid, error: `STOW-RS: failed without a failure reason (${http})`, permanent: !isTransientHttpStatus(httpStatus) && httpStatus !== 202 && !ok };
    }
    const s = stored.get(uid);
    if (s && (ok || httpStatus === 409)) return { sopInstanceUid: uid, status: s.reason !== undefined && s.reason !== 0 ? s.reason : 0 };
    if (ok) {
      if (!response.present || (response.stored.length === 0 && response.failed.length === 0)) return { sopInstanceUid: uid, status: 0 };
      return { sopInstanceUid: uid, error: `STOW-RS: the response (${http}) does not name this instance` };
    }
    return { sopInstanceUid: uid, error: `STOW-RS: ${http}`, ...(isTransientHttpStatus(httpStatus) ? {} : { permanent: true }) };
  });
}
