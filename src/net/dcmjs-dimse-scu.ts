import dimse from 'dcmjs-dimse';
import type { Logger } from '../shared/log.js';
import { PermanentTransportError, TransientTransportError, errorMessage } from '../shared/errors.js';
import { isNativeTransferSyntax, transferSyntaxName } from '../dicom/transfer-syntax.js';
import { encodeCommandSet, isEncodableCommandSet } from './command-set.js';
import { answerResponsesDirectly, forgetAnsweredCommand, frameWithoutCopies, type ClientNetwork } from './dcmjs-client-network.js';
import { quietDcmjsDimse } from './dcmjs-dimse-log.js';
import { setOutgoingNoDelay } from './outgoing-nodelay.js';
import { RawFileDataset, chainReadAhead, readSplit } from './raw-file-dataset.js';
import { SendBufferPool } from './send-buffer-pool.js';
import { describeReject } from './reject-text.js';
import { groupByTransferSyntax, type ScuStoreOutcome } from './scu-outcome.js';
import type { InstanceKeys, RemoteNode, ScuTransport, StoreItem } from './types.js';

const { Client, Dataset, Transcoding } = dimse;
const { PresentationContext } = dimse.association;
const { CEchoRequest, CFindRequest, CStoreRequest } = dimse.requests;
const { PresentationContextResult } = dimse.constants;
type DimseRequest = InstanceType<typeof dimse.requests.Request>;
type DimseAssociation = InstanceType<typeof dimse.association.Association>;

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A command set written by `encodeCommandSet` instead of dcmjs' generic writer (the same bytes,
 * a fraction of the time); anything it does not know goes through dcmjs as before.
 */
class EncodedCommandSet extends Dataset {
  override getDenaturalizedCommandDataset(): Buffer {
    const elements = this.getElements() as Record<string, unknown>;
    return isEncodableCommandSet(elements) ? encodeCommandSet(elements) : super.getDenaturalizedCommandDataset();
  }
}

function withEncodedCommandSet<T extends DimseRequest>(request: T): T {
  request.setCommandDataset(new EncodedCommandSet(request.getCommandDataset().getElements()));
  return request;
}

interface AssociationRun {
  accepted?: DimseAssociation;
  rejected?: { result: number; source: number; reason: number };
  error?: Error;
}

function securityOptions(peer: RemoteNode) {
  const t = peer.tls;
  if (!t) return undefined;
  return { cert: t.cert, key: t.key, ca: t.ca, rejectUnauthorized: true };
}

/**
 * One presentation context per fallback syntax and SOP class, for a group whose objects are in
 * `objectSyntax`. dcmjs-dimse 0.3.3 sends each object in the context whose accepted syntax is the
 * object's own, else in the *last* accepted context of its SOP class (transcoding on the way):
 * so the fallbacks go in in reverse order of preference — Implicit, then Explicit VR LE — and
 * Explicit wins over Implicit whenever the peer accepts both.
 */
function fallbackContexts(peer: RemoteNode, objectSyntax: string, sopClasses: Iterable<string>, asStored = false): Array<{ sopClass: string; ts: string }> {
  // Objects sent as stored get no fallback: only their own syntax may carry them.
  const proposal = asStored ? [objectSyntax] : (peer.proposedTransferSyntaxes ?? []);
  const fallbacks = proposal.filter((ts) => ts !== objectSyntax);
  // dcmjs-dimse gives a compressed object its own context, but an Implicit/Explicit VR LE one only
  // the shared [Implicit, Explicit] context, where the peer may pick the other syntax.
  const own = proposal.length > 0 && isNativeTransferSyntax(objectSyntax) ? [objectSyntax] : [];
  const out: Array<{ sopClass: string; ts: string }> = [];
  for (const sopClass of new Set(sopClasses)) for (const ts of [...own, ...[...fallbacks].reverse()]) out.push({ sopClass, ts });
  return out;
}

/** The transfer syntax an object went out in: its own if accepted, else the context dcmjs-dimse picks. */
function sentSyntax(a: DimseAssociation, sopClassUid: string, objectSyntax: string): string | undefined {
  const accepted = a
    .getPresentationContexts()
    .map(({ context }) => context)
    .filter((c) => c.getAbstractSyntaxUid() === sopClassUid && c.getResult() === PresentationContextResult.Accept);
  const own = accepted.find((c) => c.getAcceptedTransferSyntaxUid() === objectSyntax);
  return (own ?? accepted[accepted.length - 1])?.getAcceptedTransferSyntaxUid();
}

/** Study Root Query/Retrieve Information Model – FIND (the SCU's only query). */
export const STUDY_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.2.1';

/** Study Root IMAGE-level keys of one instance (hierarchical: study and series unique keys set). */
function imageKeys(k: InstanceKeys): Record<string, unknown> {
  return { StudyInstanceUID: k.studyInstanceUid, SeriesInstanceUID: k.seriesInstanceUid, SOPInstanceUID: k.sopInstanceUid };
}

/**
 * Runs one association with the given requests; resolves when the connection has closed.
 * `keep`, called when the association is accepted and before anything is sent, may withhold
 * requests (it returns the ones to send). `singleResponse`: each request is answered by exactly
 * one response (C-ECHO, C-STORE), so the library's per-association bookkeeping can be emptied
 * after each.
 */
function runAssociation(
  peer: RemoteNode,
  requests: DimseRequest[],
  opts: { extraContexts?: Array<{ sopClass: string; ts: string }>; keep?: (accepted: DimseAssociation) => DimseRequest[]; singleResponse?: boolean } = {},
): Promise<AssociationRun> {
  const { extraContexts = [], keep } = opts;
  const timeout = peer.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    const run: AssociationRun = {};
    const client = new Client();
    for (const r of requests) client.addRequest(r);
    for (const c of extraContexts) client.addAdditionalPresentationContext(new PresentationContext(1, c.sopClass, c.ts), true);
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      // Listeners of dcmjs-dimse run on setImmediate: let queued response events land first.
      setImmediate(() => resolve(run));
    };
    // Hard stop for a peer that neither answers nor closes; every response restarts the clock,
    // so a long batch on a slow link is not cut off.
    const watchdog = setTimeout(() => {
      run.error ??= new Error(`no answer from ${peer.host}:${peer.port} within ${timeout * 2} ms`);
      try {
        client.abort();
      } catch {
        /* not connected */
      }
      finish();
    }, timeout * 2);
    for (const r of requests) r.on('response', () => watchdog.refresh());
    client.on('associationAccepted', (a: DimseAssociation) => {
      run.accepted = a;
      if (!keep) return;
      // dcmjs-dimse sends its request list right after this event, from the same array.
      const kept = keep(a);
      client.clearRequests();
      for (const r of kept) client.addRequest(r);
    });
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => (run.rejected = r));
    client.on('networkError', (e: Error) => (run.error ??= e));
    client.on('closed', () => finish());
    try {
      client.send(peer.host, peer.port, peer.callingAeTitle, peer.aeTitle, {
        connectTimeout: timeout,
        associationTimeout: timeout,
        pduTimeout: timeout,
        securityOptions: securityOptions(peer),
      });
      // dcmjs-dimse's Client ignores an A-ABORT from the peer and would wait for the PDU timeout:
      // close the connection at once (the object in flight gets no response, so it is retried).
      const network = (client as unknown as { network?: ClientNetwork }).network;
      if (network?.socket) setOutgoingNoDelay(network.socket);
      network?.on('abort', (a) => {
        run.error ??= new Error(`association aborted by the peer (A-ABORT source ${a.source}, reason ${a.reason})`);
        network.socket?.destroy();
      });
      if (network && opts.singleResponse) {
        frameWithoutCopies(network);
        answerResponsesDirectly(network);
        for (const r of requests) r.on('response', () => forgetAnsweredCommand(network));
      }
    } catch (err) {
      run.error = err instanceof Error ? err : new Error(String(err));
      finish();
    }
  });
}

/** The error for an association that never came up: rejected-permanent is permanent, the rest transient. */
function associationError(peer: RemoteNode, run: AssociationRun): Error | undefined {
  const where = `${peer.aeTitle}@${peer.host}:${peer.port}`;
  if (run.rejected) {
    const msg = `association rejected by ${where}: ${describeReject(run.rejected)}`;
    return run.rejected.result === 1
      ? new PermanentTransportError(msg, { details: { ...run.rejected } })
      : new TransientTransportError(msg, { details: { ...run.rejected } });
  }
  if (!run.accepted) {
    return new TransientTransportError(`no association with ${where}: ${run.error ? run.error.message : 'connection closed'}`, {
      cause: run.error,
    });
  }
  return undefined;
}

function contextAccepted(a: DimseAssociation, sopClassUid: string): boolean {
  return a
    .getPresentationContexts()
    .some(({ context }) => context.getAbstractSyntaxUid() === sopClassUid && context.getResult() === PresentationContextResult.Accept);
}

let transcodingReady: Promise<void> | undefined;

/** Loads dcmjs-codecs once, so a compressed object can be decompressed when a peer refuses its syntax. */
function ensureTranscoding(log: Logger): Promise<void> {
  transcodingReady ??= Transcoding.initializeAsync().catch((err: unknown) => {
    log.warn({ err: errorMessage(err) }, 'dcmjs-codecs transcoding unavailable: compressed objects go out only in their own syntax');
  });
  return transcodingReady;
}

/**
 * C-ECHO / C-STORE SCU on dcmjs-dimse. One association per transfer syntax: dcmjs-dimse 0.3.3 picks
 * the wrong context when several compressed syntaxes share one association. Each object is sent
 * as its file's own data set bytes; if the peer accepts only another syntax, dcmjs-dimse transcodes
 * (native syntaxes always; compressed ones through dcmjs-codecs).
 */
export function createDcmjsScu(deps: { log: Logger }): ScuTransport {
  quietDcmjsDimse();
  const log = deps.log.child({ transport: 'dcmjs-dimse' });

  return {
    kind: 'dcmjs-dimse',

    async echo(peer) {
      const started = Date.now();
      const request = withEncodedCommandSet(new CEchoRequest());
      let status: number | undefined;
      request.on('response', (r: { getStatus(): number }) => (status = r.getStatus()));
      const run = await runAssociation(peer, [request]);
      const ms = Date.now() - started;
      const failure = associationError(peer, run);
      if (failure) return { ok: false, error: failure.message, ms };
      if (status === undefined) return { ok: false, error: run.error?.message ?? 'no C-ECHO response', ms };
      return { ok: status === 0, status, ms, ...(status === 0 ? {} : { error: `C-ECHO status 0x${status.toString(16)}` }) };
    },

    async holds(peer, instances) {
      const held = new Set<string>();
      if (instances.length === 0) return held;
      const failures: string[] = [];
      let answered = 0;
      const requests = instances.map((k) => {
        const request = withEncodedCommandSet(CFindRequest.createImageFindRequest(imageKeys(k)));
        request.on('response', (r: { getStatus(): number; getDataset(): { getElement(tag: string): unknown } | undefined }) => {
          const status = r.getStatus();
          if (status === 0xff00 || status === 0xff01) {
            const uid = r.getDataset()?.getElement('SOPInstanceUID');
            if (uid === k.sopInstanceUid) held.add(k.sopInstanceUid);
          } else if (status === 0) {
            answered++;
          } else {
            failures.push(`C-FIND status 0x${status.toString(16)}`);
          }
        });
        return request;
      });
      const run = await runAssociation(peer, requests);
      const failure = associationError(peer, run);
      if (failure) throw failure;
      if (!contextAccepted(run.accepted!, STUDY_ROOT_FIND)) throw new PermanentTransportError(`${peer.aeTitle} does not answer C-FIND (Study Root)`);
      if (failures.length > 0) throw new TransientTransportError(`${peer.aeTitle}: ${failures[0]}`);
      if (answered < requests.length) throw new TransientTransportError(`${peer.aeTitle} answered ${answered} of ${requests.length} C-FIND requests`);
      return held;
    },

    async store(peer, items, onResponse) {
      const outcomes = new Map<StoreItem, ScuStoreOutcome>();
      let firstFailure: Error | undefined;
      let anyAssociation = false;
      for (const group of groupByTransferSyntax(items)) {
        const ts = group[0]!.transferSyntaxUid;
        if (!isNativeTransferSyntax(ts)) await ensureTranscoding(log);
        const requests: Array<{ item: StoreItem; request: InstanceType<typeof CStoreRequest>; dataset: RawFileDataset; status?: number }> = [];
        const pool = new SendBufferPool();
        for (const item of group) {
          try {
            const split = readSplit(item.path);
            const ds = new RawFileDataset(item.path, split.datasetOffset, pool, item.sopClassUid, item.sopInstanceUid, split.transferSyntaxUid);
            const request = withEncodedCommandSet(new CStoreRequest(ds));
            const entry: (typeof requests)[number] = { item, request, dataset: ds };
            request.on('response', (r: { getStatus(): number }) => {
              entry.status = r.getStatus();
              onResponse?.({ sopInstanceUid: item.sopInstanceUid, status: entry.status });
            });
            requests.push(entry);
          } catch (err) {
            outcomes.set(item, { sopInstanceUid: item.sopInstanceUid, error: `cannot read ${item.path}: ${errorMessage(err)}`, permanent: true });
          }
        }
        if (requests.length === 0) continue;
        const asStored = group[0]!.asStored === true;
        const extra = fallbackContexts(peer, ts, requests.map((r) => r.item.sopClassUid), asStored);
        if (extra.length > 0 && !asStored) await ensureTranscoding(log);
        const withheld = new Set<StoreItem>();
        chainReadAhead(requests);
        const run = await runAssociation(
          peer,
          requests.map((r) => r.request),
          {
            extraContexts: extra,
            singleResponse: true,
            keep: asStored
              ? (a) =>
                  chainReadAhead(
                    requests.filter((r) => {
                      if (sentSyntax(a, r.item.sopClassUid, ts) === ts) return true;
                      withheld.add(r.item);
                      return false;
                    }),
                  ).map((r) => r.request)
              : undefined,
          },
        );
        if (run.accepted && extra.length > 0 && !asStored) {
          const sent = [...new Set(requests.map((r) => sentSyntax(run.accepted!, r.item.sopClassUid, ts)))];
          log.info({ peer: peer.aeTitle, objectSyntax: ts, proposed: peer.proposedTransferSyntaxes, sent }, 'C-STORE transfer syntax negotiated');
        }
        const failure = associationError(peer, run);
        if (failure) {
          firstFailure ??= failure;
          log.warn({ peer: peer.aeTitle, transferSyntax: ts, err: failure.message }, 'C-STORE association failed');
          const permanent = failure instanceof PermanentTransportError;
          for (const r of requests) outcomes.set(r.item, { sopInstanceUid: r.item.sopInstanceUid, error: failure.message, permanent });
          continue;
        }
        anyAssociation = true;
        for (const r of requests) {
          if (withheld.has(r.item)) {
            outcomes.set(r.item, {
              sopInstanceUid: r.item.sopInstanceUid,
              error: `${peer.aeTitle} does not accept ${transferSyntaxName(ts)} for ${r.item.sopClassUid}; a forwarded original goes out only as received`,
              permanent: true,
            });
          } else if (r.status !== undefined) {
            outcomes.set(r.item, { sopInstanceUid: r.item.sopInstanceUid, status: r.status });
          } else if (run.accepted && !contextAccepted(run.accepted, r.item.sopClassUid)) {
            outcomes.set(r.item, {
              sopInstanceUid: r.item.sopInstanceUid,
              error: `${peer.aeTitle} accepted no presentation context for ${r.item.sopClassUid} in ${ts}`,
              permanent: true,
            });
          } else {
            outcomes.set(r.item, { sopInstanceUid: r.item.sopInstanceUid, error: run.error?.message ?? 'no C-STORE response' });
          }
        }
      }
      // Nothing could be associated at all: the caller retries or dead-letters the whole batch.
      if (!anyAssociation && firstFailure) throw firstFailure;
      return items.map((i) => outcomes.get(i) ?? { sopInstanceUid: i.sopInstanceUid, error: 'not sent' });
    },
  };
}
