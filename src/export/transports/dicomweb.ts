import { readFile } from 'node:fs/promises';
import { readPart10 } from '../../dicom/part10.js';
import type { ScuStoreOutcome } from '../../net/scu-outcome.js';
import { ConfigError, TransientTransportError, errorMessage } from '../../shared/errors.js';
import type { DicomwebExportDestination, ExportDestination } from '../destination.js';
import { authorizationHeader, httpRequest, type HttpResponse } from '../http-request.js';
import { buildStowBody, parseStowResponse, stowOutcomes, stowRequests } from '../stow-rs.js';
import type { DeliveryItem, Transport } from '../transport.js';

/** One STOW-RS request carries at most this many bytes of Part-10 files (besides maxInstancesPerRequest). */
const MAX_REQUEST_BYTES = 128 * 1024 * 1024;

interface ReadItem {
  index: number;
  item: DeliveryItem;
  bytes: Buffer;
  seriesKey: string;
}

function asDicomweb(dest: ExportDestination): DicomwebExportDestination {
  if (dest.kind !== 'dicomweb') throw new ConfigError(`destination "${dest.name}" is not a DICOMweb destination`);
  return dest;
}

/** A GET or POST to the destination with its credentials and TLS settings. */
export function dicomwebRequest(dest: DicomwebExportDestination, method: 'GET' | 'POST', path: string, extra: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<HttpResponse> {
  return httpRequest(method, `${dest.url}${path}`, {
    headers: { accept: 'application/dicom+json', ...authorizationHeader(dest.auth), ...extra.headers },
    body: extra.body,
    tls: dest.tls,
    timeoutMs: dest.timeoutMs,
  });
}

/**
 * Delivers by STOW-RS (PS3.18 10.5): the instances of one series go together in one
 * multipart/related request (up to `maxInstancesPerRequest`), each Part-10 file as stored (the
 * server takes any transfer syntax it supports; it says so per instance in its Failed SOP
 * Sequence). Each instance's outcome comes from the response (see stowOutcomes) and is reported
 * through `onResponse` as soon as its request is answered, so a crash re-sends at most one
 * request's instances, and those are checked first with QIDO-RS (`holds`).
 */
export function createDicomwebTransport(): Transport {
  return {
    kind: 'dicomweb',
    async holds(destination: ExportDestination, items: DeliveryItem[]) {
      const dest = asDicomweb(destination);
      const held = new Set<string>();
      for (const item of items) {
        const { dataset } = readPart10(await readFile(item.path), { untilPixelData: true });
        // PS3.18 10.6: instance-level search within the series, matching on SOP Instance UID.
        const path = `/studies/${encodeURIComponent(String(dataset.StudyInstanceUID))}/series/${encodeURIComponent(String(dataset.SeriesInstanceUID))}/instances?SOPInstanceUID=${encodeURIComponent(item.sopInstanceUid)}`;
        const res = await dicomwebRequest(dest, 'GET', path);
        if (res.status === 204 || res.status === 404) continue;
        if (res.status !== 200) throw new TransientTransportError(`QIDO-RS on "${dest.name}": HTTP ${res.status} ${res.statusText}`);
        const found = JSON.parse(res.body.toString('utf8')) as Array<Record<string, { Value?: unknown[] }>>;
        if (Array.isArray(found) && found.some((ds) => ds?.['00080018']?.Value?.[0] === item.sopInstanceUid)) held.add(item.sopInstanceUid);
      }
      return held;
    },
    async send(destination: ExportDestination, items: DeliveryItem[], onResponse?: (outcome: ScuStoreOutcome) => void) {
      const dest = asDicomweb(destination);
      const outcomes: ScuStoreOutcome[] = new Array(items.length);
      const read: ReadItem[] = [];
      for (const [index, item] of items.entries()) {
        try {
          const bytes = await readFile(item.path);
          const { dataset } = readPart10(bytes, { untilPixelData: true });
          read.push({ index, item, bytes, seriesKey: `${String(dataset.StudyInstanceUID)}/${String(dataset.SeriesInstanceUID)}` });
        } catch (err) {
          // The source object itself is unusable: retrying will not change that.
          outcomes[index] = { sopInstanceUid: item.sopInstanceUid, error: `cannot read ${item.path}: ${errorMessage(err)}`, permanent: true };
        }
      }
      for (const request of stowRequests(read, { seriesOf: (r) => r.seriesKey, sizeOf: (r) => r.bytes.length, maxInstances: dest.maxInstancesPerRequest, maxBytes: MAX_REQUEST_BYTES })) {
        const { contentType, body } = buildStowBody(request.map((r) => r.bytes));
        let answer: ScuStoreOutcome[];
        try {
          const res = await dicomwebRequest(dest, 'POST', '/studies', { headers: { 'content-type': contentType }, body });
          answer = stowOutcomes(
            request.map((r) => r.item.sopInstanceUid),
            res.status,
            res.statusText,
            parseStowResponse(res.contentType.includes('json') ? res.body.toString('utf8') : ''),
          );
        } catch (err) {
          // No HTTP answer (refused, reset, timeout): a later attempt may succeed.
          answer = request.map((r) => ({ sopInstanceUid: r.item.sopInstanceUid, error: `STOW-RS: ${errorMessage(err)}` }));
        }
        request.forEach((r, i) => {
          outcomes[r.index] = answer[i]!;
          onResponse?.(answer[i]!);
        });
      }
      return outcomes;
    },
  };
}
