import { dirname, relative } from 'node:path';
import { storedNotProcessed } from '../dicom/transfer-syntax.js';
import { DimseStatus } from '../dicom/status.js';
import type { StoreHandler, StoreRequest } from '../net/types.js';
import { countAssociationFailure, countAssociationInstance, ensureAssociation } from '../provenance/associations.js';
import { isDerivedSeries } from '../provenance/derived-series.js';
import { findBySop, pathsOfSeries, type InstanceRow } from '../provenance/instances.js';
import { errorMessage, isNodeError } from '../shared/errors.js';
import type { DurableTempFile } from '../spool/spool.js';
import { CommitQueue } from './commit-queue.js';
import { inspectInstance, type InstanceFacts } from './instance-inspection.js';
import { writeInstanceRows } from './instance-rows.js';
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
/** Association ids already recorded, remembered up to this many. */
const KNOWN_ASSOCIATIONS = 1024;
/** A free-space reading of the spool's disk is used this long (less what was accepted since), then read again. */
const DISK_READING_MS = 100;

/** An object's bytes on disk: a temp file to move into place, or a file the start-up rescan found at its place. */
type SpooledBytes = { size: number; sha256: string } & ({ tempPath: string; path?: undefined } | { path: string; tempPath?: undefined });

/**
 * The durable receive path (PS3.4 B.2.3 statuses). An object is written to a temp file, hashed
 * and fsync'ed on a writer thread (durable-writer.ts) while it is inspected here (one structure
 * walk, one header parse); a good one is renamed into the spool and its directory fsync'ed on that
 * thread, and the rows of every object in flight are committed together (commit-queue.ts), a bad
 * one is quarantined. Only then is Success returned. SQLite
 * runs with synchronous=NORMAL, so a power cut can drop the last commits: the start-up rescan
 * (spool-rescan.ts) registers every spooled file without a row again. Bad input is quarantined
 * with its reason; nothing here throws to the transport.
 */
export class InstanceReceiver implements StoreHandler {
  private readonly deps: InstanceReceiverDeps;
  private readonly now: () => number;
  private readonly sopLock = new KeyedMutex();
  private readonly commits: CommitQueue;
  private readonly knownAssociations = new Set<string>();
  private diskReading?: { at: number; freeBytes: number };
  /** Every write of a request's bytes is awaited before onStore settles (ingest). */
  readonly doneWithBytesOnAnswer = true;

  constructor(deps: InstanceReceiverDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.commits = new CommitQueue(deps.db, { syncDirectories: (dirs) => deps.spool.syncDirectories(dirs) });
  }

  async onStore(req: StoreRequest): Promise<number> {
    const a = req.association;
    try {
      if (!this.knownAssociations.has(a.id)) this.recordAssociation(req);
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

  private recordAssociation(req: StoreRequest): void {
    const a = req.association;
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
    if (this.knownAssociations.size >= KNOWN_ASSOCIATIONS) this.knownAssociations.clear();
    this.knownAssociations.add(a.id);
  }

  /** Takes one object in. Never throws: an internal failure answers 0x0110 (processing failure). */
  async ingest(input: IngestInput): Promise<IngestResult> {
    const receivedAt = this.now();
    let temp: DurableTempFile | undefined;
    /** The outcome of a step that moved or removed the temp file, so nothing is left to discard. */
    const tempDone = (result: IngestResult): IngestResult => {
      temp = undefined;
      return result;
    };
    try {
      const refusal = this.checkQueue(input) ?? (await this.checkDiskSpace(input));
      if (refusal) return refusal;
      const max = this.deps.maxInstanceBytes;
      const size = Math.max(input.bytes.byteLength, input.receivedBytes ?? 0);
      if ((max !== undefined && size > max) || input.receivedBytes !== undefined) {
        temp = await this.deps.spool.writeDurably(input.bytes);
        return tempDone(await quarantineObject(this.deps, temp, input, receivedAt, {
          code: 'PACS_E_TOO_LARGE',
          message: `object of ${size} bytes exceeds the limit of ${max ?? 'the transport'} bytes${input.receivedBytes !== undefined ? ' (only its head was kept)' : ''}`,
          dimseStatus: DimseStatus.CannotUnderstand,
        }));
      }
      // Written to a temp file, hashed and fsync'ed on a writer thread while it is inspected here.
      const writing = this.deps.spool.writeDurably(input.bytes);
      writing.catch(() => undefined);
      let inspection: ReturnType<typeof inspectInstance>;
      try {
        inspection = inspectInstance(input.bytes, {
          sopInstanceUid: input.sopInstanceUid,
          sopClassUid: input.sopClassUid,
          structure: { maxInflatedBytes: this.deps.maxInstanceBytes },
        });
      } finally {
        temp = await writing;
      }
      if (!inspection.ok) return tempDone(await quarantineObject(this.deps, temp, input, receivedAt, inspection.failure));
      const facts = inspection.facts;
      const written = temp;
      return tempDone(await this.sopLock.run(facts.sopInstanceUid, () => this.commit(written, facts, input)));
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
      // Left by a step that failed before it moved the temp file.
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
    const size = input.bytes.byteLength;
    let reading = this.diskReading;
    if (!reading || this.now() - reading.at > DISK_READING_MS || reading.freeBytes - size < min) reading = await this.readDiskFree();
    const { freeBytes } = reading;
    if (freeBytes - size >= min) {
      reading.freeBytes -= size;
      return undefined;
    }
    this.deps.log.warn(
      { freeBytes, minFreeBytes: min, associationId: input.associationId, sopInstanceUid: input.sopInstanceUid },
      'spool disk below threshold; refusing C-STORE with 0xA700',
    );
    this.countFailure(input, 0);
    return { status: DimseStatus.OutOfResources, outcome: 'refused', reasonCode: 'PACS_E_DISK_FULL' };
  }

  private async readDiskFree(): Promise<{ at: number; freeBytes: number }> {
    const at = this.now();
    this.diskReading = { at, freeBytes: (await this.deps.spool.diskFree()).freeBytes };
    return this.diskReading;
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

  /**
   * Registers a file found in the spool without a row (start-up rescan after an unclean stop):
   * its facts are read from the file again, and it is recorded as if it had just arrived.
   * Undefined when the file cannot be registered (it is left where it is).
   */
  async registerSpooled(path: string, bytes: Uint8Array, sha256: string): Promise<IngestResult | undefined> {
    const inspection = inspectInstance(bytes, { structure: { maxInflatedBytes: this.deps.maxInstanceBytes } });
    if (!inspection.ok) {
      this.deps.log.warn({ path, reasonCode: inspection.failure.code, reason: inspection.failure.message }, 'spooled file without a row is not readable; left in place');
      return undefined;
    }
    const facts = inspection.facts;
    const input: IngestInput = { bytes, associationId: null };
    return this.sopLock.run(facts.sopInstanceUid, () => this.commit({ path, size: bytes.byteLength, sha256 }, facts, input));
  }

  /** Paths the database knows for a series (any status); the rescan's view of what is registered. */
  registeredPaths(seriesUid: string): Set<string> {
    return pathsOfSeries(this.deps.db, seriesUid);
  }

  private async commit(file: SpooledBytes, facts: InstanceFacts, input: IngestInput, copies = findBySop(this.deps.db, facts.sopInstanceUid)): Promise<IngestResult> {
    const { db, spool, log } = this.deps;
    const { status, reason } = this.classify(facts);
    const same = copies.find((c) => c.sha256 === file.sha256);
    const callingAe = input.callingAe ?? facts.sourceAeTitle ?? '';
    const calledAe = input.calledAe ?? '';

    // A copy whose file retention purged is stored again like a new one (its row comes back).
    // A file the rescan found holding bytes some row already has is a leftover: left alone.
    if (same && (file.path !== undefined || (same.status !== 'replaced' && same.purgedAt === null))) {
      // PS3.4 B.2.3 leaves re-sends to the SCP: identical bytes are acknowledged and not stored twice.
      if (file.tempPath) await spool.discard(file.tempPath);
      if (input.associationId) countAssociationInstance(db, input.associationId, file.size);
      log.debug({ sopInstanceUid: facts.sopInstanceUid, instanceId: same.id }, 'identical re-send; nothing to store');
      return { status: DimseStatus.Success, outcome: 'duplicate', instanceId: same.id, path: same.path };
    }

    const current = copies.filter((c) => c.status !== 'replaced' && c !== same);
    const path = file.path ?? (await spool.commit(file.tempPath, same ? this.relPathOf(same) : this.freshRelPath(facts, file.sha256, copies)));
    let receivedAt = 0;
    let instanceId: number;
    try {
      instanceId = await this.commits.commit({
        // A file the rescan found: its directory entry is made durable before its row (a file moved here already is).
        dirs: file.path !== undefined ? [dirname(path)] : [],
        write: () => {
          // The arrival counts from the commit, stamped inside its transaction: a series job created
          // while these bytes were made durable (its quiet period ran out) may have listed the series
          // without this instance, and a restart must then see the series as received after that job
          // (seriesAwaitingJobs), not before it.
          receivedAt = this.now();
          return writeInstanceRows(db, {
            facts,
            path,
            size: file.size,
            sha256: file.sha256,
            status,
            reason,
            same,
            current,
            associationId: input.associationId ?? null,
            callingAe,
            calledAe,
            receivedAt,
          });
        },
      });
    } catch (err) {
      // Not acknowledged, so a file moved here must not stay where a later row could be confused with it.
      if (!same && file.tempPath !== undefined) await spool.remove(path).catch(() => undefined);
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
        size: file.size,
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
  private freshRelPath(facts: InstanceFacts, sha256: string, copies: InstanceRow[]): string {
    const { spool } = this.deps;
    const taken = new Set(copies.map((c) => c.path));
    for (const suffix of [undefined, sha8(sha256), sha8(sha256, 64)]) {
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
