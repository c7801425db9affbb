import type { ResolvedDestination } from '../config/types.js';
import type { RemoteNode, TlsOptions } from '../net/types.js';
import type { BackoffPolicy } from './backoff.js';
import { exportProposal, type ExportTransferSyntaxChoice } from './encode-transfer-syntax.js';

interface DestinationCommon {
  name: string;
  /** Attempts before a delivery goes to the dead state. */
  maxAttempts: number;
  backoff: BackoffPolicy;
}

/** A C-STORE SCP (PACS, workstation) reached with our SCU. */
export interface DimseExportDestination extends DestinationCommon {
  kind: 'dimse';
  aeTitle: string;
  host: string;
  port: number;
  callingAeTitle: string;
  tls?: TlsOptions;
  timeoutMs?: number;
  /** Preferred transfer syntax (config `transferSyntax`); Explicit, then Implicit VR LE are the fallbacks. */
  transferSyntax?: ExportTransferSyntaxChoice;
  /**
   * Before re-sending an object that was in flight when a previous process died, ask the
   * destination (C-FIND) whether it holds it already (config `verifyInDoubt`, default true).
   */
  verifyInDoubt?: boolean;
}

/** A folder (local disk, mounted share) receiving Part-10 files. */
export interface FolderExportDestination extends DestinationCommon {
  kind: 'folder';
  path: string;
  /** `study-series`: <StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm (default); `flat`: <SOPInstanceUID>.dcm. */
  layout?: 'study-series' | 'flat';
}

/** A DICOMweb origin server reached with STOW-RS (store) and QIDO-RS (in-doubt check, echo). */
export interface DicomwebExportDestination extends DestinationCommon {
  kind: 'dicomweb';
  /** Service root without a trailing slash. */
  url: string;
  /** Secrets: never logged. */
  auth?: { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };
  /** PEM texts: a CA to trust, a client certificate and key. */
  tls?: { ca?: string; cert?: string; key?: string };
  timeoutMs: number;
  /** Instances of one series per STOW-RS request, at most. */
  maxInstancesPerRequest: number;
  /** Before re-sending an object in doubt after a crash, ask the server (QIDO-RS) whether it holds it. */
  verifyInDoubt?: boolean;
}

/** Destinations are a union told apart by `kind`, one transport per kind. */
export type ExportDestination = DimseExportDestination | FolderExportDestination | DicomwebExportDestination;

/** The network address of a DIMSE destination, as the SCU transports take it. */
export function remoteNodeOf(dest: DimseExportDestination): RemoteNode {
  return {
    aeTitle: dest.aeTitle,
    host: dest.host,
    port: dest.port,
    callingAeTitle: dest.callingAeTitle,
    tls: dest.tls,
    timeoutMs: dest.timeoutMs,
    proposedTransferSyntaxes: exportProposal(dest.transferSyntax),
  };
}

/** Maps a destination from the resolved node configuration (seconds) to the export form (ms). */
export function fromResolvedDestination(d: ResolvedDestination): ExportDestination {
  const backoff: BackoffPolicy = { initialMs: d.backoff.initialSeconds * 1000, maxMs: d.backoff.maxSeconds * 1000, jitter: 'equal' };
  if (d.kind === 'dimse') {
    return {
      name: d.name,
      kind: 'dimse',
      aeTitle: d.aeTitle,
      host: d.host,
      port: d.port,
      callingAeTitle: d.callingAeTitle,
      tls: d.tls ? { cert: d.tls.cert, key: d.tls.key, ca: d.tls.ca } : undefined,
      timeoutMs: d.timeoutSeconds * 1000,
      transferSyntax: d.transferSyntax,
      verifyInDoubt: d.verifyInDoubt,
      maxAttempts: d.maxAttempts,
      backoff,
    };
  }
  if (d.kind === 'dicomweb') {
    return {
      name: d.name,
      kind: 'dicomweb',
      url: d.url,
      ...(d.auth ? { auth: d.auth } : {}),
      ...(d.tls ? { tls: { ca: d.tls.ca, cert: d.tls.cert, key: d.tls.key } } : {}),
      timeoutMs: d.timeoutSeconds * 1000,
      maxInstancesPerRequest: d.maxInstancesPerRequest,
      verifyInDoubt: d.verifyInDoubt,
      maxAttempts: d.maxAttempts,
      backoff,
    };
  }
  return { name: d.name, kind: 'folder', path: d.path, layout: d.layout, maxAttempts: d.maxAttempts, backoff };
}
