import type { Logger } from '../shared/log.js';
import { ConfigError } from '../shared/errors.js';
import { createDcmjsScp } from './dcmjs-dimse-scp.js';
import { createDcmjsScu } from './dcmjs-dimse-scu.js';
import { createNativeScp } from './dimse-native-scp.js';
import { createNativeScu } from './dimse-native-scu.js';
import type { AssociationEvents, AssociationPolicy, ListenerOptions, ScpTransport, ScuTransport, StoreHandler } from './types.js';

export type TransportKind = 'dcmjs-dimse' | 'dicom-dimse-native';

export interface ScpFactoryDeps {
  policy: AssociationPolicy;
  handler: StoreHandler;
  events?: AssociationEvents;
  log: Logger;
  /** dcmjs-dimse only: abort an association idle this long (ms). */
  idleTimeoutMs?: number;
  /** dcmjs-dimse only: data sets above this are not held in memory (quarantined as too large). */
  maxDatasetBytes?: number;
  /** dicom-dimse-native only: the folder DCMTK writes into (inside the spool, adopted by the adapter). */
  nativeInboxDir?: string;
  /** dicom-dimse-native only: the listener's allow-list is `*` without hosts (it cannot refuse callers). */
  nativeAllowAnyCaller?: boolean;
  /** dicom-dimse-native only: inbox sweep period and the age at which a file counts as complete. */
  nativeSweepMs?: number;
  nativeSettleMs?: number;
  /** dcmjs-dimse only: the listening server failed or closed while running (not by stop()). */
  onListenerError?: (err: Error) => void;
}

/** The SCP adapter for a listener's configured transport. */
export function createScp(kind: TransportKind, listener: ListenerOptions, deps: ScpFactoryDeps): ScpTransport {
  switch (kind) {
    case 'dcmjs-dimse':
      return createDcmjsScp(listener, deps);
    case 'dicom-dimse-native':
      if (!deps.nativeInboxDir) throw new ConfigError(`listener "${listener.name}": dicom-dimse-native needs an inbox folder`);
      return createNativeScp(listener, {
        handler: deps.handler,
        events: deps.events,
        log: deps.log,
        inboxDir: deps.nativeInboxDir,
        allowAnyCaller: deps.nativeAllowAnyCaller ?? false,
        sweepMs: deps.nativeSweepMs,
        settleMs: deps.nativeSettleMs,
      });
    default:
      throw new ConfigError(`unknown DICOM transport "${String(kind)}"`);
  }
}

/** The SCU adapter for a transport kind (export and C-ECHO tests). */
export function createScu(kind: TransportKind, deps: { log: Logger }): ScuTransport {
  switch (kind) {
    case 'dcmjs-dimse':
      return createDcmjsScu(deps);
    case 'dicom-dimse-native':
      return createNativeScu(deps);
    default:
      throw new ConfigError(`unknown DICOM transport "${String(kind)}"`);
  }
}
