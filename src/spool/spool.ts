import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { NodeError } from '../shared/errors.js';
import { fsyncDirectory, mkdirDurably } from './durable-fs.js';
import { durableWriter, isEmptySpare, SPARE_FILE_SUFFIX, TEMP_FILE_SUFFIX, type WrittenFile } from './durable-writer.js';

/**
 * The spool's directory layout under one root. Keys are opaque strings (the receiver passes
 * UIDs); the spool knows no DICOM.
 *
 * ```
 * <root>/incoming/<uuid>.part                        temp files, fsync'ed before anything else
 * <root>/incoming/<uuid>.spare                       empty files a writer thread made ready (a spare in use holds an object)
 * <root>/studies/<study>/<series>/<sop>[.<sha8>].dcm received instances
 * <root>/quarantine/<YYYY-MM-DD>/<id>.dcm            rejected objects (reason lives in SQLite)
 * <root>/derived/<study>/<series>/<sop>.dcm          objects this node produced
 * <root>/inbox/                                      files written by the DCMTK transport, to adopt
 * ```
 */
export const SpoolDirs = {
  incoming: 'incoming',
  studies: 'studies',
  quarantine: 'quarantine',
  derived: 'derived',
  inbox: 'inbox',
} as const;

/** A path segment made from a key: no separators, no `.`/`..`, nothing a shell or FS treats specially. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** An fsync'ed temp file under `incoming/`, with its size and hash. */
export type DurableTempFile = WrittenFile;

export interface SpoolRecovery {
  /** Temp files left in `incoming/` by an interrupted write, now deleted. */
  removedTempFiles: number;
  removedTempBytes: number;
  /** Files waiting in `inbox/` for adoption (the spool does not adopt them itself). */
  inboxFiles: number;
}

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/** A key that cannot be used as a path segment (would escape the spool or be ambiguous). */
export class SpoolKeyError extends NodeError {
  constructor(key: string) {
    super('PACS_E_SPOOL_KEY', `spool key is not a safe path segment: ${JSON.stringify(key.slice(0, 80))}`, {
      httpStatus: 400,
    });
  }
}

function segment(key: string): string {
  if (!SAFE_SEGMENT.test(key) || key.includes('..')) throw new SpoolKeyError(key);
  return key;
}

function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Durable file storage for received and derived objects. Every write goes temp file → fsync →
 * rename → fsync of the directory, so a crash leaves either the complete file under its final
 * name or a temp file that {@link Spool.recover} deletes. The receive path writes the temp file
 * while it inspects the object, then moves it into place with {@link Spool.commit}.
 */
export class Spool {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Creates the layout (idempotent). */
  async init(): Promise<void> {
    for (const d of Object.values(SpoolDirs)) await mkdirDurably(join(this.root, d));
  }

  get incomingDir(): string {
    return join(this.root, SpoolDirs.incoming);
  }

  get inboxDir(): string {
    return join(this.root, SpoolDirs.inbox);
  }

  /** Relative path of a received instance; `sha8` disambiguates a re-sent UID with other bytes. */
  instanceRelPath(studyKey: string, seriesKey: string, instanceKey: string, sha8?: string): string {
    const name = sha8 ? `${segment(instanceKey)}.${segment(sha8)}.dcm` : `${segment(instanceKey)}.dcm`;
    return join(SpoolDirs.studies, segment(studyKey), segment(seriesKey), name);
  }

  /** Relative path of an object this node produced. */
  derivedRelPath(studyKey: string, seriesKey: string, instanceKey: string): string {
    return join(SpoolDirs.derived, segment(studyKey), segment(seriesKey), `${segment(instanceKey)}.dcm`);
  }

  /** Absolute path of an object this node produced (where the pipeline writes it). */
  derivedPath(studyKey: string, seriesKey: string, instanceKey: string): string {
    return this.resolve(this.derivedRelPath(studyKey, seriesKey, instanceKey));
  }

  /** Absolute path of a spool-relative path; refuses paths that leave the root. */
  resolve(relPath: string): string {
    const abs = resolve(this.root, relPath);
    const rel = relative(this.root, abs);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new SpoolKeyError(relPath);
    }
    return abs;
  }

  /**
   * Writes bytes under a fresh temp name in `incoming/`, hashing them on the way, and fsyncs them;
   * the work runs on a writer thread (durable-writer.ts), off the event loop.
   */
  async writeDurably(bytes: Uint8Array): Promise<DurableTempFile> {
    return this.runWrite(bytes);
  }

  private async runWrite(bytes: Uint8Array, finalPath?: string): Promise<WrittenFile> {
    try {
      return await durableWriter().writeNewFile(this.incomingDir, bytes, finalPath);
    } catch (err) {
      throw new NodeError('PACS_E_SPOOL_WRITE', `cannot write to the spool: ${(err as Error).message}`, {
        cause: err,
        retryable: true,
        dimseStatus: 0xa700,
      });
    }
  }

  /**
   * Moves a temp file to its final spool-relative path (replacing a file of that name, e.g. an
   * orphan of an earlier crash) and makes the rename durable (directory fsync; directories it
   * creates are durable too), on a writer thread. Returns the absolute path.
   */
  async commit(tempPath: string, finalRelPath: string): Promise<string> {
    this.assertTemp(tempPath);
    const finalPath = this.resolve(finalRelPath);
    await durableWriter().placeFile(tempPath, finalPath);
    return finalPath;
  }

  /** fsync of each directory once (on the writer threads, in parallel). */
  async syncDirectories(dirs: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(dirs)].map((d) => durableWriter().syncDirectory(d)));
  }

  /**
   * Writes bytes durably straight to a final spool-relative path (replacing a file of that name):
   * temp file, fsync, rename, directory fsync, all in one job on a writer thread. Returns size,
   * hash and path. On a failure the final name holds either its old file or the new one.
   */
  async writeFileDurably(finalRelPath: string, bytes: Uint8Array): Promise<DurableTempFile & { path: string }> {
    const path = this.resolve(finalRelPath);
    return { ...(await this.runWrite(bytes, path)), path };
  }

  /**
   * Moves a temp file into `quarantine/<day>/<id>.dcm` durably. `id` defaults to a time-ordered
   * unique name. Returns the absolute path.
   */
  async quarantine(tempPath: string, opts: { id?: string; at?: Date } = {}): Promise<string> {
    const at = opts.at ?? new Date();
    const id = opts.id ?? `${at.getTime()}-${randomUUID().slice(0, 8)}`;
    return this.commit(tempPath, join(SpoolDirs.quarantine, isoDay(at), `${segment(id)}.dcm`));
  }

  /** Deletes a temp file that will not be kept (e.g. an identical re-send). */
  async discard(tempPath: string): Promise<void> {
    this.assertTemp(tempPath);
    await rm(tempPath, { force: true });
  }

  /** Removes a committed file (used to undo a commit whose database row could not be written). */
  async remove(relOrAbsPath: string): Promise<void> {
    const abs = isAbsolute(relOrAbsPath) ? this.resolve(relative(this.root, relOrAbsPath)) : this.resolve(relOrAbsPath);
    await rm(abs, { force: true });
    await fsyncDirectory(dirname(abs)).catch(() => undefined);
  }

  /**
   * Start-up recovery: deletes leftover temp files (counting those an interrupted write left, not
   * the empty spares) and counts inbox files waiting for adoption.
   */
  async recover(): Promise<SpoolRecovery> {
    await this.init();
    let removed = 0;
    let removedTempFiles = 0;
    let removedTempBytes = 0;
    for (const name of await readdir(this.incomingDir)) {
      const p = join(this.incomingDir, name);
      const st = await stat(p).catch(() => undefined);
      if (!st) continue;
      await rm(p, { recursive: true, force: true });
      removed++;
      if (st.isFile() && isEmptySpare(name, st.size)) continue;
      removedTempFiles++;
      removedTempBytes += st.isFile() ? st.size : 0;
    }
    if (removed > 0) await fsyncDirectory(this.incomingDir);
    const inboxFiles = (await this.listInbox()).length;
    return { removedTempFiles, removedTempBytes, inboxFiles };
  }

  /** Removes the empty spare files the writer threads hold, so that a stopped node leaves none in `incoming/`. */
  async releaseSpares(): Promise<void> {
    await durableWriter().releaseSpares();
  }

  /** Absolute paths of regular files in `inbox/` (or another directory), oldest name first. */
  async listInbox(dir: string = this.inboxDir): Promise<string[]> {
    await mkdir(dir, { recursive: true });
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? dir, e.name))
      .sort();
  }

  /** Every received instance file, grouped by its series key (`studies/<study>/<series>/*.dcm`). */
  async instanceFiles(): Promise<Map<string, string[]>> {
    const bySeries = new Map<string, string[]>();
    const studies = join(this.root, SpoolDirs.studies);
    for (const study of await readdir(studies).catch(() => [] as string[])) {
      for (const series of await readdir(join(studies, study)).catch(() => [] as string[])) {
        const dir = join(studies, study, series);
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        const files = entries.filter((e) => e.isFile() && e.name.endsWith('.dcm')).map((e) => join(dir, e.name));
        if (files.length > 0) bySeries.set(series, [...(bySeries.get(series) ?? []), ...files]);
      }
    }
    return bySeries;
  }

  /** Free and total bytes of the file system holding the spool (statfs). */
  async diskFree(): Promise<DiskSpace> {
    const s = await statfs(this.root);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  }

  private assertTemp(tempPath: string): void {
    const rel = relative(this.incomingDir, resolve(tempPath));
    if (rel === '' || rel.startsWith('..') || rel.includes(sep) || !(rel.endsWith(TEMP_FILE_SUFFIX) || rel.endsWith(SPARE_FILE_SUFFIX))) {
      throw new SpoolKeyError(tempPath);
    }
  }
}
