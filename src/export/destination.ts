import type { RemoteNode, TlsOptions } from '../net/types.js';
import type { BackoffPolicy } from './backoff.js';
import { exportProposal, type ExportTransferSyntaxChoice } from './encode-transfer-syntax.js';

/** What the delivery worker needs of every destination, whatever its kind. */
export interface DestinationCommon {
  /** Which kind's transport delivers to it (src/export/destination-kinds.ts). */
  kind: string;
  name: string;
  /** Attempts before a delivery goes to the dead state. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /**
   * Before re-sending an object that was in flight when a previous process died, ask the
   * destination whether it holds it already; only where its transport can ask (`holds`). Absent: yes.
   */
  verifyInDoubt?: boolean;
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
}

/** The built-in kinds, told apart by `kind` (their transports narrow on it); a kind's module may add its own. */
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
