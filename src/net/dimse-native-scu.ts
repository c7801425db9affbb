import { copyFile, link, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { ConfigError, TransientTransportError } from '../shared/errors.js';
import { loadDimseNative, parseNativeMessage, type NativeMessage, type NativeNode } from './dimse-native-module.js';
import { groupByTransferSyntax, type ScuStoreOutcome } from './scu-outcome.js';
import type { RemoteNode, ScuTransport, StoreItem } from './types.js';

/**
 * A StoreOutcome from the native SCU: the addon reports only whether the association ran, never
 * the per-object C-STORE status, so `status` 0 means "sent without an association error".
 */
export interface NativeStoreOutcome extends ScuStoreOutcome {
  statusUnverified?: true;
}

/** DCMTK needs a port for the calling side too, although an SCU never listens on it. */
const UNUSED_LOCAL_PORT = 104;

function nodes(peer: RemoteNode): { source: NativeNode; target: NativeNode } {
  if (peer.tls) throw new ConfigError('dicom-dimse-native has no TLS support: use the dcmjs-dimse transport for TLS peers');
  return {
    source: { aet: peer.callingAeTitle, ip: '127.0.0.1', port: UNUSED_LOCAL_PORT },
    target: { aet: peer.aeTitle, ip: peer.host, port: peer.port },
  };
}

/** Calls an addon function and resolves with its final (non-pending) message. */
function finalMessage(call: (cb: (raw: string) => void) => void, timeoutMs: number): Promise<NativeMessage> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: 2, status: 'failure', message: `no answer within ${timeoutMs} ms`, container: null }), timeoutMs);
    call((raw) => {
      const msg = parseNativeMessage(raw);
      if (msg.status === 'pending') return;
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/**
 * C-ECHO / C-STORE SCU on dicom-dimse-native (DCMTK's DcmStorageSCU). Limits: the addon sends a
 * folder and reports success or failure of the whole run, with no per-object DIMSE status and no
 * reject reason, so every failure is treated as transient (a permanent reject runs out its
 * attempts before going dead), and a success is recorded without a verified status. No TLS.
 */
export function createNativeScu(deps: { log: Logger }): ScuTransport {
  const log = deps.log.child({ transport: 'dicom-dimse-native' });
  return {
    kind: 'dicom-dimse-native',

    async echo(peer) {
      const started = Date.now();
      const native = await loadDimseNative();
      const msg = await finalMessage((cb) => native.echoScu({ ...nodes(peer), verbose: false }, cb), (peer.timeoutMs ?? 30_000) * 2);
      const ms = Date.now() - started;
      return msg.status === 'success' ? { ok: true, status: 0, ms } : { ok: false, error: msg.message, ms };
    },

    async store(peer, items) {
      const native = await loadDimseNative();
      const where = nodes(peer);
      const outcomes = new Map<StoreItem, NativeStoreOutcome>();
      let firstFailure: Error | undefined;
      let anySent = false;
      for (const group of groupByTransferSyntax(items)) {
        const ts = group[0]!.transferSyntaxUid;
        // The addon sends every file under a folder: give it a folder with just this group.
        const dir = await mkdtemp(join(tmpdir(), 'native-scu-'));
        try {
          for (const [i, item] of group.entries()) {
            const target = join(dir, `${i}-${basename(item.path)}`);
            try {
              await link(item.path, target).catch(() => copyFile(item.path, target));
            } catch (err) {
              outcomes.set(item, { sopInstanceUid: item.sopInstanceUid, error: `cannot read ${item.path}: ${(err as Error).message}`, permanent: true });
            }
          }
          const toSend = group.filter((i) => !outcomes.has(i));
          if (toSend.length === 0) continue;
          const msg = await finalMessage((cb) => native.storeScu({ ...where, sourcePath: dir, verbose: false }, cb), (peer.timeoutMs ?? 30_000) * 4);
          if (msg.status === 'success') {
            anySent = true;
            for (const item of toSend) outcomes.set(item, { sopInstanceUid: item.sopInstanceUid, status: 0, statusUnverified: true });
          } else {
            const err = new TransientTransportError(`C-STORE to ${peer.aeTitle}@${peer.host}:${peer.port} failed: ${msg.message}`);
            firstFailure ??= err;
            log.warn({ peer: peer.aeTitle, transferSyntax: ts, err: msg.message }, 'native C-STORE failed');
            for (const item of toSend) outcomes.set(item, { sopInstanceUid: item.sopInstanceUid, error: err.message });
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      if (!anySent && firstFailure) throw firstFailure;
      return items.map((i) => outcomes.get(i) ?? { sopInstanceUid: i.sopInstanceUid, error: 'not sent' });
    },
  };
}
