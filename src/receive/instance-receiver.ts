import { relative } from 'node:path';
import { storedNotProcessed } from '../dicom/transfer-syntax.js';
import { DimseStatus } from '../dicom/status.js';
import type { StoreHandler, StoreRequest } from '../net/types.js';
import { countAssociationFailure, countAssociationInstance, ensureAssociation } from '../provenance/associations.js';
import { isDerivedSeries } from '../provenance/derived-series.js';
import { findBySop, insertInstance, restoreInstance, setInstanceStatus, type InstanceRow } from '../provenance/instances.js';
import { recordSeriesArrival, refreshSeriesCount } from '../provenance/series.js';
import { errorMessage, isNodeError } from '../shared/errors.js';
import type { DurableTempFile } from '../spool/spool.js';
import { inspectInstance, type InstanceFacts } from './instance-inspection.js';
import { KeyedMutex } from './keyed-mutex.js';
import { quarantineObject } from './quarantine-object.js';
import type { IngestInput, IngestResult, InstanceReceiverDeps, StoredInstance, StoredStatus } from './receive-types.js';

export type {
  IngestInput,
  IngestOutcome,
  IngestResult,
  InstanceReceiverDeps,
  StoredInstance,
  StoredStatus,
} from './receive-types.js';

const sha8 = (sha: string, n = 8): string => sha.slice(0, n);

/**
 * The durable receive path (PS3.4 B.2.3 statuses). Bytes reach disk first (temp + fsync), are
 * inspected, then renamed into the spool and recorded in one SQLite transaction; only then is
 * Success returned. Bad input is quarantined with its reason; nothing here throws to the transport.
 */
export class InstanceReceiver implements StoreHandler {
  private readonly deps: InstanceReceiverDeps;
  private readonly now: () => number;
  private readonly sopLock = new KeyedMutex();

  constructor(deps: InstanceReceiverDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  async onStore(req: StoreRequest): Promise<number> {
    const a = req.association;
    try {
      ensureAssociation(this.deps.db, {
        id: a.id,
        listener: a.listener,
        transport: 'unknown',
        callingAe: a.callingAeTitle,
        calledAe: a.calledAeTitle,
        remoteHost: a.remoteAddress,
        remotePort: a.remotePort,
        tls: a.tls,
        startedAt: this.now(),
      });
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err), associationId: a.id }, 'cannot record the association');
    }
    const result = await this.ingest({
      bytes: req.bytes,
      callingAe: a.callingAeTitle,
      calledAe: a.calledAeTitle,
      associationId: a.id,
      sopInstanceUid: req.sopInstanceUid,
      sopClassUid: req.sopClassUid,
      receivedBytes: req.receivedBytes,
    });
    return result.status;
  }

  /** Takes one object in. Never throws: an internal failure answers 0x0110 (processing failure). */
  async ingest(input: IngestInput): Promise<IngestResult> {
    const receivedAt = this.now();
    let temp: DurableTempFile | undefined;
    try {
      const refusal = this.checkQueue(input) ?? (await this.checkDiskSpace(input));
      if (refusal) return refusal;
      temp = await this.deps.spool.writeDurably(input.bytes);
      const max = this.deps.maxInstanceBytes;
      const size = Math.max(temp.size, input.receivedBytes ?? 0);
      if ((max !== undefined && size > max) || input.receivedBytes !== undefined) {
        return await quarantineObject(this.deps, temp, input, receivedAt, {
          code: 'PACS_E_TOO_LARGE',
          message: `object of ${size} bytes exceeds the limit of ${max ?? 'the transport'} bytes${input.receivedBytes !== undefined ? ' (only its head was kept)' : ''}`,
          dimseStatus: DimseStatus.CannotUnderstand,
        });
      }
      const inspection = inspectInstance(input.bytes, {
        sopInstanceUid: input.sopInstanceUid,
        sopClassUid: input.sopClassUid,
        structure: { maxInflatedBytes: this.deps.maxInstanceBytes },
      });
      if (!inspection.ok) return await quarantineObject(this.deps, temp, input, receivedAt, inspection.failure);
      const facts = inspection.facts;
      const file = temp;
      return await this.sopLock.run(facts.sopInstanceUid, () => this.commit(file, facts, input, receivedAt));
    } catch (err) {
      this.deps.log.error(
        { err: errorMessage(err), associationId: input.associationId, sopInstanceUid: input.sopInstanceUid },
        'receive failed; answering processing failure',
      );
      this.countFailure(input, 0);
      // A spool write that ran out of space carries 0xA700; anything else is a processing failure.
      const status = isNodeError(err) && err.dimseStatus !== undefined ? err.dimseStatus : DimseStatus.ProcessingFailure;
      return { status, outcome: 'refused', reasonCode: isNodeError(err) ? err.code : 'PACS_E_RECEIVE_INTERNAL' };
    } finally {
      // A no-op once the temp file was committed or quarantined.
      if (temp) await this.deps.spool.discard(temp.tempPath).catch(() => undefined);
    }
  }

  private checkQueue(input: IngestInput): IngestResult | undefined {
    if (!this.deps.isQueueFull?.()) return undefined;
    this.deps.log.warn({ associationId: input.associationId, sopInstanceUid: input.sopInstanceUid }, 'queue depth at its limit; refusing C-STORE with 0xA700');
    this.countFailure(input, 0);
    return { status: DimseStatus.OutOfResources, outcome: 'refused', reasonCode: 'PACS_E_QUEUE_FULL' };
  }

  private async checkDiskSpace(input: IngestInput): Promise<IngestResult | undefined> {
    const min = this.deps.minFreeBytes;
    if (min === undefined) return undefined;
    const { freeBytes } = await this.deps.spool.diskFree();
    if (freeBytes - input.bytes.byteLength >= min) return undefined;
    this.deps.log.warn(
      { freeBytes, minFreeBytes: min, associationId: input.associationId, sopInstanceUid: input.sopInstanceUid },
      'spool disk below threshold; refusing C-STORE with 0xA700',
    );
    this.countFailure(input, 0);
    return { status: DimseStatus.OutOfResources, outcome: 'refused', reasonCode: 'PACS_E_DISK_FULL' };
  }

  private classify(facts: InstanceFacts): { status: StoredStatus; reason: string | null } {
    if (isDerivedSeries(this.deps.db, facts.seriesUid)) {
      return { status: 'own_output', reason: 'series is in this node’s output registry' };
    }
    if (this.deps.isOwnOutput?.(facts.header)) {
      return { status: 'own_output', reason: 'data set names this node as its equipment' };
    }
    if (!this.deps.decodableTransferSyntaxes.includes(facts.transferSyntaxUid)) {
      const reason = storedNotProcessed(facts.transferSyntaxUid);
      this.deps.log.info({ sopInstanceUid: facts.sopInstanceUid, transferSyntax: facts.transferSyntaxUid }, reason);
      return { status: 'unprocessable', reason };
    }
    return { status: 'stored', reason: null };
  }

  private async commit(
    temp: DurableTempFile,
    facts: InstanceFacts,
    input: IngestInput,
    receivedAt: number,
  ): Promise<IngestResult> {
    const { db, spool, log } = this.deps;
    const { status, reason } = this.classify(facts);
    const copies = findBySop(db, facts.sopInstanceUid);
    const same = copies.find((c) => c.sha256 === temp.sha256);
    const callingAe = input.callingAe ?? facts.sourceAeTitle ?? '';
    const calledAe = input.calledAe ?? '';

    // A copy whose file retention purged is stored again like a new one (its row comes back).
    if (same && same.status !== 'replaced' && same.purgedAt === null) {
      // PS3.4 B.2.3 leaves re-sends to the SCP: identical bytes are acknowledged and not stored twice.
      await spool.discard(temp.tempPath);
      if (input.associationId) countAssociationInstance(db, input.associationId, temp.size);
      log.debug({ sopInstanceUid: facts.sopInstanceUid, instanceId: same.id }, 'identical re-send; nothing to store');
      return { status: DimseStatus.Success, outcome: 'duplicate', instanceId: same.id, path: same.path };
    }

    const current = copies.filter((c) => c.status !== 'replaced' && c !== same);
    const path = await spool.commit(temp.tempPath, same ? this.relPathOf(same) : this.freshRelPath(facts, temp, copies));
    // The arrival counts from the commit, stamped in the same tick as the transaction (no await in
    // between): a series job created while these bytes were made durable (its quiet period ran
    // out) may have listed the series without this instance, and a restart must then see the
    // series as received after that job (seriesAwaitingJobs), not before it.
    receivedAt = this.now();
    let instanceId: number;
    try {
      instanceId = db.transaction(() => {
        const why = `replaced by a re-send with sha256 ${sha8(temp.sha256, 16)}`;
        for (const c of current) setInstanceStatus(db, c.id, 'replaced', why);
        let id: number;
        if (same) {
          // The bytes of an older, replaced (or purged) copy came back: that row becomes current again.
          restoreInstance(db, same.id, status, reason);
          id = same.id;
        } else {
          id = insertInstance(db, {
            sopInstanceUid: facts.sopInstanceUid,
            sopClassUid: facts.sopClassUid,
            seriesUid: facts.seriesUid,
            studyUid: facts.studyUid,
            transferSyntaxUid: facts.transferSyntaxUid,
            instanceNumber: facts.instanceNumber,
            path,
            size: temp.size,
            sha256: temp.sha256,
            associationId: input.associationId ?? null,
            receivedAt,
            status,
            statusReason: reason,
          });
        }
        recordSeriesArrival(db, {
          seriesUid: facts.seriesUid,
          studyUid: facts.studyUid,
          modality: facts.modality,
          description: facts.seriesDescription,
          callingAe: callingAe || null,
          calledAe: calledAe || null,
          ownOutput: status === 'own_output',
          receivedAt,
        });
        for (const s of new Set(current.map((c) => c.seriesUid))) if (s !== facts.seriesUid) refreshSeriesCount(db, s);
        if (input.associationId) countAssociationInstance(db, input.associationId, temp.size);
        return id;
      })();
    } catch (err) {
      // Not acknowledged, so the file must not stay where a later row could be confused with it.
      if (!same) await spool.remove(path).catch(() => undefined);
      throw err;
    }

    const replacedInstanceIds = current.map((c) => c.id);
    const logFields = {
      instanceId,
      sopInstanceUid: facts.sopInstanceUid,
      seriesUid: facts.seriesUid,
      callingAe,
      associationId: input.associationId,
      status,
    };
    if (replacedInstanceIds.length > 0) {
      log.info({ ...logFields, replacedInstanceIds }, 're-sent SOP Instance UID with different bytes; older copy replaced');
    } else if (status === 'stored') {
      log.debug(logFields, 'instance stored');
    } else {
      log.info({ ...logFields, reason }, `instance stored as ${status}`);
    }

    if (status !== 'own_output') {
      this.emit({
        instanceId,
        sopInstanceUid: facts.sopInstanceUid,
        sopClassUid: facts.sopClassUid,
        seriesUid: facts.seriesUid,
        studyUid: facts.studyUid,
        modality: facts.modality,
        transferSyntaxUid: facts.transferSyntaxUid,
        path,
        status,
        callingAe,
        calledAe,
        header: facts.header,
        receivedAt,
      });
    }
    return {
      status: DimseStatus.Success,
      outcome: status,
      instanceId,
      path,
      replacedInstanceIds: replacedInstanceIds.length > 0 ? replacedInstanceIds : undefined,
    };
  }

  /** `<sop>.dcm`, or `<sop>.<sha8>.dcm` when an older copy already holds that name. */
  private freshRelPath(facts: InstanceFacts, temp: DurableTempFile, copies: InstanceRow[]): string {
    const { spool } = this.deps;
    const taken = new Set(copies.map((c) => c.path));
    for (const suffix of [undefined, sha8(temp.sha256), sha8(temp.sha256, 64)]) {
      const rel = spool.instanceRelPath(facts.studyUid, facts.seriesUid, facts.sopInstanceUid, suffix);
      if (!taken.has(spool.resolve(rel))) return rel;
    }
    throw new Error('unreachable: a full sha256 suffix cannot collide with a row of other bytes');
  }

  private relPathOf(row: InstanceRow): string {
    return relative(this.deps.spool.root, row.path);
  }

  private countFailure(input: IngestInput, bytes: number): void {
    if (!input.associationId) return;
    try {
      countAssociationFailure(this.deps.db, input.associationId, bytes);
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err) }, 'cannot count a failure against the association');
    }
  }

  private emit(ev: StoredInstance): void {
    const cb = this.deps.onStored;
    if (!cb) return;
    try {
      cb(ev);
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err), instanceId: ev.instanceId }, 'onStored listener failed');
    }
  }
}
