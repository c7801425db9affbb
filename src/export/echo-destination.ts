import { access, constants, mkdir } from 'node:fs/promises';
import { errorMessage } from '../shared/errors.js';
import type { ScuTransport } from '../net/types.js';
import { remoteNodeOf, type ExportDestination } from './destination.js';

export interface EchoResult {
  ok: boolean;
  /** C-ECHO response status (DIMSE destinations). */
  status?: number;
  error?: string;
  ms: number;
}

/**
 * Tests a destination: C-ECHO for a DIMSE peer (through the given SCU), create-and-write check
 * for a folder. Never throws; the result says what failed.
 */
export async function echoDestination(dest: ExportDestination, deps: { scu?: ScuTransport }): Promise<EchoResult> {
  const started = Date.now();
  if (dest.kind === 'dimse') {
    if (!deps.scu) return { ok: false, error: 'no SCU transport configured', ms: 0 };
    return deps.scu.echo(remoteNodeOf(dest));
  }
  try {
    await mkdir(dest.path, { recursive: true });
    await access(dest.path, constants.W_OK);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, error: errorMessage(err), ms: Date.now() - started };
  }
}
