import { access, constants, mkdir } from 'node:fs/promises';
import { errorMessage } from '../shared/errors.js';
import type { ScuTransport } from '../net/types.js';
import { remoteNodeOf, type ExportDestination } from './destination.js';
import { dicomwebRequest } from './transports/dicomweb.js';

export interface EchoResult {
  ok: boolean;
  /** C-ECHO response status (DIMSE destinations). */
  status?: number;
  /** HTTP status of the QIDO-RS probe (DICOMweb destinations). */
  httpStatus?: number;
  error?: string;
  ms: number;
}

/**
 * Tests a destination: C-ECHO for a DIMSE peer (through the given SCU), a QIDO-RS study search
 * (`GET {url}/studies?limit=1`: reachable, TLS and credentials accepted) for a DICOMweb server,
 * create-and-write check for a folder. Never throws; the result says what failed.
 */
export async function echoDestination(dest: ExportDestination, deps: { scu?: ScuTransport }): Promise<EchoResult> {
  const started = Date.now();
  if (dest.kind === 'dimse') {
    if (!deps.scu) return { ok: false, error: 'no SCU transport configured', ms: 0 };
    return deps.scu.echo(remoteNodeOf(dest));
  }
  if (dest.kind === 'dicomweb') {
    try {
      const res = await dicomwebRequest(dest, 'GET', '/studies?limit=1');
      const ok = res.status === 200 || res.status === 204;
      return { ok, httpStatus: res.status, ...(ok ? {} : { error: `QIDO-RS: HTTP ${res.status} ${res.statusText}` }), ms: Date.now() - started };
    } catch (err) {
      return { ok: false, error: errorMessage(err), ms: Date.now() - started };
    }
  }
  try {
    await mkdir(dest.path, { recursive: true });
    await access(dest.path, constants.W_OK);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, error: errorMessage(err), ms: Date.now() - started };
  }
}
