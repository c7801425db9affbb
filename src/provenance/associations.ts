import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

export type AssociationOutcome = 'open' | 'rejected' | 'released' | 'aborted' | 'error';

/** One row of `associations`: a DICOM association attempt and what came of it. */
export interface AssociationRow {
  id: string;
  listener: string;
  transport: string;
  callingAe: string;
  calledAe: string;
  remoteHost: string;
  remotePort: number | null;
  tls: boolean;
  startedAt: number;
  endedAt: number | null;
  outcome: AssociationOutcome;
  /** Why it was rejected, or the error that ended it. */
  rejectReason: string | null;
  instancesReceived: number;
  bytesReceived: number;
  failures: number;
}

/** What opening an association records; the rest of the row starts empty. */
export type NewAssociation = Pick<AssociationRow, 'id' | 'listener' | 'transport' | 'callingAe' | 'calledAe' | 'remoteHost' | 'startedAt'> &
  Partial<Pick<AssociationRow, 'remotePort' | 'tls'>>;

interface RawAssociation {
  id: string;
  listener: string;
  transport: string;
  calling_ae: string;
  called_ae: string;
  remote_host: string;
  remote_port: number | null;
  tls: number;
  started_at: number;
  ended_at: number | null;
  outcome: AssociationOutcome;
  reject_reason: string | null;
  instances_received: number;
  bytes_received: number;
  failures: number;
}

function toRow(r: RawAssociation): AssociationRow {
  return {
    id: r.id,
    listener: r.listener,
    transport: r.transport,
    callingAe: r.calling_ae,
    calledAe: r.called_ae,
    remoteHost: r.remote_host,
    remotePort: r.remote_port,
    tls: r.tls === 1,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
    rejectReason: r.reject_reason,
    instancesReceived: r.instances_received,
    bytesReceived: r.bytes_received,
    failures: r.failures,
  };
}

const INSERT_SQL = `INSERT INTO associations
  (id, listener, transport, calling_ae, called_ae, remote_host, remote_port, tls, started_at, ended_at, outcome, reject_reason)
  VALUES (@id, @listener, @transport, @callingAe, @calledAe, @remoteHost, @remotePort, @tls, @startedAt, @endedAt, @outcome, @rejectReason)`;

function params(a: NewAssociation, outcome: AssociationOutcome, endedAt: number | null, rejectReason: string | null) {
  return {
    id: a.id,
    listener: a.listener,
    transport: a.transport,
    callingAe: a.callingAe,
    calledAe: a.calledAe,
    remoteHost: a.remoteHost,
    remotePort: a.remotePort ?? null,
    tls: a.tls ? 1 : 0,
    startedAt: a.startedAt,
    endedAt,
    outcome,
    rejectReason,
  };
}

/** Records an accepted association (outcome `open`). */
export function insertOpenAssociation(db: Db, a: NewAssociation): void {
  prepared(db, INSERT_SQL).run(params(a, 'open', null, null));
}

/**
 * Makes sure a row exists for an association id (the receiver calls this before counting an
 * instance, so a transport that skipped the accept event still satisfies the foreign keys).
 */
export function ensureAssociation(db: Db, a: NewAssociation): void {
  prepared(db, INSERT_SQL.replace('INSERT INTO', 'INSERT OR IGNORE INTO')).run(params(a, 'open', null, null));
}

/** Records a rejected association with its reason; it starts and ends at `a.startedAt`. */
export function insertRejectedAssociation(db: Db, a: NewAssociation, reason: string): void {
  prepared(db, INSERT_SQL).run(params(a, 'rejected', a.startedAt, reason));
}

/** Closes an open association. Returns false when no open row had that id. */
export function closeAssociation(
  db: Db,
  id: string,
  outcome: 'released' | 'aborted' | 'error',
  endedAt: number,
  error?: string,
): boolean {
  const r = prepared(db,
      `UPDATE associations SET outcome = ?, ended_at = ?, reject_reason = COALESCE(?, reject_reason)
       WHERE id = ? AND outcome = 'open'`,
    )
    .run(outcome, endedAt, error ?? null, id);
  return r.changes === 1;
}

/** Counts one stored instance and its bytes against the association. */
export function countAssociationInstance(db: Db, id: string, bytes: number): void {
  prepared(db,
    'UPDATE associations SET instances_received = instances_received + 1, bytes_received = bytes_received + ? WHERE id = ?',
  ).run(bytes, id);
}

/** Counts one failed C-STORE (quarantined or refused) against the association. */
export function countAssociationFailure(db: Db, id: string, bytes = 0): void {
  prepared(db, 'UPDATE associations SET failures = failures + 1, bytes_received = bytes_received + ? WHERE id = ?').run(
    bytes,
    id,
  );
}

/**
 * Start-up: associations still `open` belong to a process that died; they end as `error`.
 * Returns how many were closed.
 */
export function closeInterruptedAssociations(db: Db, endedAt: number): number {
  return prepared(db,
      `UPDATE associations SET outcome = 'error', ended_at = ?, reject_reason = COALESCE(reject_reason, 'node stopped while the association was open')
       WHERE outcome = 'open'`,
    )
    .run(endedAt).changes;
}

export function getAssociation(db: Db, id: string): AssociationRow | undefined {
  const r = prepared(db, 'SELECT * FROM associations WHERE id = ?').get(id) as RawAssociation | undefined;
  return r && toRow(r);
}

export interface AssociationQuery {
  /** Only associations started at or after this time (epoch ms). */
  since?: number;
  outcome?: AssociationOutcome;
  callingAe?: string;
  limit?: number;
  offset?: number;
}

/** Newest first. */
export function listAssociations(db: Db, q: AssociationQuery = {}): AssociationRow[] {
  const rows = prepared(db,
      `SELECT * FROM associations
       WHERE (@since IS NULL OR started_at >= @since)
         AND (@outcome IS NULL OR outcome = @outcome)
         AND (@callingAe IS NULL OR calling_ae = @callingAe)
       ORDER BY started_at DESC, id LIMIT @limit OFFSET @offset`,
    )
    .all({
      since: q.since ?? null,
      outcome: q.outcome ?? null,
      callingAe: q.callingAe ?? null,
      limit: q.limit ?? 100,
      offset: q.offset ?? 0,
    }) as RawAssociation[];
  return rows.map(toRow);
}
