import type { Logger } from '../shared/log.js';
import { errorMessage, isNodeError } from '../shared/errors.js';
import { TRANSFER_SYNTAX_NAMES } from '../dicom/transfer-syntax.js';
import type { Db } from '../provenance/database.js';
import type { InstanceRow } from '../provenance/instances.js';
import type { JobRow } from '../provenance/jobs.js';
import { recordProcessingFailure, setJobFailedSlices, type ProcessingFailure } from '../provenance/processing-failures.js';

export const NOT_DECODABLE = 'PACS_E_TRANSFER_SYNTAX_NOT_DECODABLE';
export const PIXEL_DECODE_FAILED = 'PACS_E_PIXEL_DECODE';
export const NOT_AN_IMAGE = 'PACS_E_NOT_AN_IMAGE';

/** Reasons that say the object is not for this stage (stored, forwarded, never processed), not that it failed. */
const NOT_PROCESSED_BY_DESIGN: ReadonlySet<string> = new Set([NOT_DECODABLE, NOT_AN_IMAGE]);

/** A source slice the job could not process, as the job reports it. */
export interface FailedSlice {
  sopInstanceUid: string;
  reasonCode: string;
  reason: string;
}

/**
 * The slices of one job that could not be processed: each is recorded once (processing_failures),
 * logged, skipped in every later window, and listed on the job row when the job ends.
 */
export class SliceFailures {
  private readonly failed = new Map<number, FailedSlice>();

  constructor(
    private readonly db: Db,
    private readonly job: JobRow,
    private readonly log: Logger,
  ) {}

  has(instance: InstanceRow): boolean {
    return this.failed.has(instance.id);
  }

  get size(): number {
    return this.failed.size;
  }

  list(): FailedSlice[] {
    return [...this.failed.values()];
  }

  /** Objects skipped because they are not for processing (no image, undecodable syntax), not because they failed. */
  get notForProcessing(): number {
    return this.list().filter((f) => NOT_PROCESSED_BY_DESIGN.has(f.reasonCode)).length;
  }

  /** Reasons of the objects that did fail (pixel decode, render), first those, for the job's error. */
  failureReasons(): string[] {
    return [...new Set(this.list().filter((f) => !NOT_PROCESSED_BY_DESIGN.has(f.reasonCode)).map((f) => f.reason))];
  }

  /** The instance's transfer syntax cannot be decoded: skipped without trying. */
  notDecodable(instance: InstanceRow): void {
    const ts = instance.transferSyntaxUid;
    const name = TRANSFER_SYNTAX_NAMES[ts];
    this.add(instance, NOT_DECODABLE, `transfer syntax ${ts}${name ? ` (${name})` : ''} cannot be decoded; the instance is stored but not processed`);
  }

  /** The object carries no pixel data (SR, waveform, RT Plan…): skipped, as `reason` says. */
  notAnImage(instance: InstanceRow, reason: string): void {
    this.add(instance, NOT_AN_IMAGE, reason);
  }

  /** Reading or rendering the instance threw (the codec's error). */
  renderFailed(instance: InstanceRow, err: unknown): void {
    this.add(instance, isNodeError(err) ? err.code : PIXEL_DECODE_FAILED, errorMessage(err));
  }

  /** Writes the summary onto the job row (NULL when nothing failed). */
  summarise(): void {
    setJobFailedSlices(this.db, this.job.id, this.list());
  }

  private add(instance: InstanceRow, reasonCode: string, reason: string): void {
    if (this.failed.has(instance.id)) return;
    const failure: ProcessingFailure = {
      jobId: this.job.id,
      seriesUid: this.job.series_uid,
      sopInstanceUid: instance.sopInstanceUid,
      transferSyntaxUid: instance.transferSyntaxUid,
      path: instance.path,
      reasonCode,
      reason,
    };
    recordProcessingFailure(this.db, failure);
    this.failed.set(instance.id, { sopInstanceUid: instance.sopInstanceUid, reasonCode, reason });
    this.log.warn(
      { jobId: this.job.id, stage: 'render', seriesUid: this.job.series_uid, sopInstanceUid: instance.sopInstanceUid, reasonCode },
      `slice not processed: ${reason}`,
    );
  }
}
