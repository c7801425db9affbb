import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import type { Logger } from '../shared/log.js';
import { ConfigError, errorMessage } from '../shared/errors.js';
import { formatStatus } from '../dicom/status.js';
import { loadDimseNative, parseNativeMessage } from './dimse-native-module.js';
import { NATIVE_LISTENER_REFUSED_TRANSFER_SYNTAXES } from './dimse-native-transfer-syntaxes.js';
import { splitPart10 } from './part10-envelope.js';
import type { AssociationEvents, AssociationRequest, ListenerOptions, ScpTransport, StoreHandler } from './types.js';

export interface NativeScpDeps {
  handler: StoreHandler;
  events?: AssociationEvents;
  log: Logger;
  /** Folder DCMTK writes received files into (`<inbox>/<StudyUID>/<SOPUID>.dcm`); the adapter empties it. */
  inboxDir: string;
  /**
   * Must be true: this listener cannot refuse any calling AE, called AE or host (see below). The
   * caller states that the listener's allow-list is `*` (any caller), so default deny is never
   * silently weakened.
   */
  allowAnyCaller: boolean;
  /** Sweep of the inbox for files whose notification was missed or whose adoption failed. */
  sweepMs?: number;
  /** A file untouched this long is complete (DCMTK writes in place, without a temp name). */
  settleMs?: number;
}

/** The addon's SCP thread cannot be stopped or restarted in-process, and keeps its first folder. */
const running = new Map<number, string>();

async function pickPort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * C-STORE SCP on dicom-dimse-native (DCMTK in Node), store-only mode. DCMTK accepts the association,
 * writes each object to the inbox and answers the C-STORE itself; the addon then notifies us and
 * this adapter adopts the file: reads it, calls `handler.onStore`, deletes it. Files left by a crash
 * are adopted on start-up and by a periodic sweep.
 *
 * Conformance is weaker than the dcmjs-dimse listener, and the limits are DCMTK's, not ours:
 * - no association control: every calling AE, called AE and host is accepted, so no
 *   A-ASSOCIATE-RJ with a reason, no max associations (one association at a time, others wait),
 *   no per-association events (the adapter reports one association per start);
 * - the C-STORE is acknowledged before our spool commit, and the handler's status never reaches
 *   the peer (a failure is only logged; the object stays in the inbox for the next sweep);
 * - no TLS, DCMTK's default max PDU, no calling AE in the file meta;
 * - the addon's compiled-in transfer syntax list and preference order
 *   (NATIVE_LISTENER_TRANSFER_SYNTAXES): it accepts the video syntaxes (stored, not processed, as
 *   with dcmjs-dimse) but refuses JPEG Lossless Process 14, JPEG 2000 Part 2 and HTJ2K;
 * - the addon's full query/retrieve mode, which does check calling AEs, forks the whole Node
 *   process per association and leaves hung children holding the port: not used;
 * - the SCP thread cannot be stopped: `stop()` stops adopting; the port stays bound until exit.
 */
export function createNativeScp(listener: ListenerOptions, deps: NativeScpDeps): ScpTransport {
  const log = deps.log.child({ listener: listener.name, transport: 'dicom-dimse-native' });
  const inbox = resolve(deps.inboxDir);
  const settleMs = deps.settleMs ?? 5000;
  const inFlight = new Set<string>();
  const pending = new Set<Promise<void>>();
  let active = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let port = listener.port;
  let session: AssociationRequest | undefined;

  async function adopt(path: string): Promise<void> {
    if (!active || inFlight.has(path) || !session) return;
    inFlight.add(path);
    const work = (async () => {
      try {
        const bytes = await readFile(path);
        let meta: ReturnType<typeof splitPart10>;
        try {
          meta = splitPart10(bytes);
        } catch {
          meta = { sopClassUid: '', sopInstanceUid: '', transferSyntaxUid: '', datasetOffset: 0 };
        }
        const status = await deps.handler.onStore({
          association: session!,
          sopClassUid: meta.sopClassUid,
          sopInstanceUid: meta.sopInstanceUid,
          transferSyntaxUid: meta.transferSyntaxUid,
          bytes,
        });
        // The handler has taken the object (stored or quarantined): the inbox copy goes.
        await rm(path, { force: true });
        await rmdir(join(path, '..')).catch(() => undefined);
        log.debug({ sopInstanceUid: meta.sopInstanceUid, status: formatStatus(status) }, 'adopted file written by DCMTK');
      } catch (err) {
        log.error({ path, err: errorMessage(err) }, 'adopting a received file failed; it stays in the inbox for the next sweep');
      } finally {
        inFlight.delete(path);
      }
    })();
    pending.add(work);
    void work.finally(() => pending.delete(work));
    await work;
  }

  /** Adopts every complete file in the inbox; `all` also takes fresh files (nothing is writing). */
  async function sweep(all: boolean): Promise<void> {
    const entries = await readdir(inbox, { recursive: true, withFileTypes: true }).catch(() => []);
    const now = Date.now();
    for (const e of entries) {
      if (!e.isFile()) continue;
      const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
      if (!all) {
        const s = await stat(path).catch(() => undefined);
        if (!s || now - s.mtimeMs < settleMs) continue;
      }
      await adopt(path);
    }
  }

  function scheduleSweep(): void {
    if (!active) return;
    sweepTimer = setTimeout(() => {
      void sweep(false).finally(scheduleSweep);
    }, deps.sweepMs ?? 10_000);
  }

  return {
    kind: 'dicom-dimse-native',
    async start() {
      if (active) return;
      if (!deps.allowAnyCaller) {
        throw new ConfigError(
          `listener "${listener.name}": dicom-dimse-native cannot refuse callers (no allow-list support); ` +
            `use the dcmjs-dimse transport, or allow "*" explicitly for this listener`,
        );
      }
      if (listener.tls) throw new ConfigError(`listener "${listener.name}": dicom-dimse-native has no TLS support`);
      const native = await loadDimseNative();
      await mkdir(inbox, { recursive: true });
      session = {
        id: randomUUID(),
        callingAeTitle: 'UNKNOWN',
        calledAeTitle: listener.aeTitle,
        remoteAddress: '',
        remotePort: 0,
        tls: false,
        listener: listener.name,
        proposedContexts: [],
      };
      active = true;
      deps.events?.onAssociationAccepted?.(session);
      const existing = [...running].find(([, dir]) => dir === inbox);
      if (existing) {
        // Same process, same inbox: DCMTK is still listening; adopt again.
        port = existing[0];
      } else {
        if (running.size > 0) throw new ConfigError('dicom-dimse-native supports one listener per process');
        // Start-up recovery: nothing writes yet, so every file is a leftover of an earlier run.
        await sweep(true);
        if (port === 0) port = await pickPort(listener.host);
        running.set(port, inbox);
        native.startStoreScp(
          { source: { aet: listener.aeTitle, ip: listener.host, port }, peers: [], storagePath: inbox, storeOnly: true, writeFile: true, verbose: false },
          (raw) => {
            const msg = parseNativeMessage(raw);
            const file = msg.container?.Filepath;
            if (msg.message === 'FILE_STORAGE' && typeof file === 'string') void adopt(file);
            else if (msg.status === 'failure') {
              running.delete(port);
              log.error({ err: msg.message }, 'dicom-dimse-native listener failed');
            }
          },
        );
      }
      scheduleSweep();
      if (listener.maxAssociations !== undefined || listener.maxPduLength !== undefined) {
        log.warn('dicom-dimse-native ignores maxAssociations and maxPduLength (one association at a time, DCMTK default PDU)');
      }
      log.warn(
        { port, refusedTransferSyntaxes: NATIVE_LISTENER_REFUSED_TRANSFER_SYNTAXES },
        'dicom-dimse-native listener started: accepts every caller, acknowledges before the spool commit, refuses some transfer syntaxes',
      );
    },
    async stop() {
      if (!active) return;
      active = false;
      if (sweepTimer) clearTimeout(sweepTimer);
      sweepTimer = undefined;
      await Promise.allSettled([...pending]);
      if (session) deps.events?.onAssociationClosed?.(session, 'released');
      session = undefined;
      log.info('dicom-dimse-native adoption stopped (the DCMTK listener keeps its port until the process exits)');
    },
    port() {
      return port;
    },
  };
}
