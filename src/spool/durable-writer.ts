import { Worker } from 'node:worker_threads';

/** What a writer thread reports for one new file: its SHA-256, computed while the bytes were in hand. */
export interface WrittenFile {
  /** The temp file the thread made in the directory it was given (moved to the final path, when one was given). */
  tempPath: string;
  size: number;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
}

/** Name endings of the files a writer thread makes: a temp file holding an object, an empty one made ready. */
export const TEMP_FILE_SUFFIX = '.part';
export const SPARE_FILE_SUFFIX = '.spare';

/** An empty spare file a writer thread made ready (one in use holds bytes and is a temp file like any other). */
export function isEmptySpare(name: string, size: number): boolean {
  return name.endsWith(SPARE_FILE_SUFFIX) && size === 0;
}

type Job =
  | { op: 'write'; dir: string; bytes: Uint8Array; finalPath?: string }
  | { op: 'place'; tempPath: string; finalPath: string }
  | { op: 'syncDir'; path: string }
  | { op: 'releaseSpare' };

interface Pending {
  job: Job;
  /** The one thread this job must run on (a thread's own spare file). */
  thread?: WriterThread;
  resolve: (v: WrittenFile | undefined) => void;
  reject: (err: Error) => void;
}

/**
 * The thread's whole program, plain JavaScript run with `eval` (it needs nothing but node:fs and
 * node:crypto, so no TypeScript loader has to reach the thread). One job at a time: a new file is
 * made in the given directory, written, and fsync'ed while its SHA-256 is computed; given a final
 * path, it is then renamed there with its directory fsync'ed (new directories made durable too),
 * all in one go; a file written without one is moved later by a `place` job (rename, directory
 * fsync). The event loop pays one message round trip per step instead of a hop per system call,
 * and neither the hash nor the waits for the disk run on it.
 *
 * Creating a file costs this file system 0.3–1.3 ms under load, as much as the write itself, so
 * the thread makes an empty spare file in the temp directory once a file has reached its place
 * (while the next object is still on its way) and the next write takes it. Not straight after a
 * bare write: the rename that follows it needs the same directory and would wait for the create
 * (measured: 1 ms of the receive cycle). A spare somebody removed (start-up recovery empties the
 * temp directory) is noticed by its link count and not used.
 */
const THREAD_PROGRAM = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { createHash, randomUUID } = require('node:crypto');
let spare;
/** Where the last temp file was made: the spare goes there. */
let tempDir;
function syncDir(dir) {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
function mkdirDurably(dir) {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  // Each new directory and the parent holding its entry, top-down.
  const chain = [path.dirname(first)];
  for (let d = dir; d !== path.dirname(first); d = path.dirname(d)) chain.splice(1, 0, d);
  for (const d of chain) syncDir(d);
}
function newFile(dir, suffix) {
  const p = path.join(dir, randomUUID() + suffix);
  return { dir, path: p, fd: fs.openSync(p, 'wx', 0o640) };
}
function drop(file) {
  try { fs.closeSync(file.fd); } catch {}
  try { fs.unlinkSync(file.path); } catch {}
}
function takeFile(dir) {
  const s = spare;
  spare = undefined;
  if (s && s.dir === dir && fs.fstatSync(s.fd).nlink > 0) return s;
  if (s) drop(s);
  return newFile(dir, ${JSON.stringify(TEMP_FILE_SUFFIX)});
}
async function write(job) {
  const bytes = new Uint8Array(job.bytes, job.offset, job.length);
  const file = takeFile(job.dir);
  let sha256;
  try {
    let offset = 0;
    while (offset < bytes.byteLength) offset += fs.writeSync(file.fd, bytes, offset, bytes.byteLength - offset);
    const synced = new Promise((resolve, reject) => fs.fsync(file.fd, (err) => (err ? reject(err) : resolve())));
    synced.catch(() => undefined);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    await synced;
    fs.closeSync(file.fd);
  } catch (err) {
    drop(file);
    throw err;
  }
  if (job.finalPath) {
    try {
      place(file.path, job.finalPath);
    } catch (err) {
      try { fs.unlinkSync(file.path); } catch {}
      throw err;
    }
  }
  return { tempPath: file.path, size: bytes.byteLength, sha256 };
}
function place(tempPath, finalPath) {
  const dir = path.dirname(finalPath);
  mkdirDurably(dir);
  try {
    fs.renameSync(tempPath, finalPath);
  } catch (err) {
    // Retention may have removed the directory meanwhile.
    if (err.code !== 'ENOENT' || !fs.existsSync(tempPath)) throw err;
    mkdirDurably(dir);
    fs.renameSync(tempPath, finalPath);
  }
  syncDir(dir);
}
async function run(job) {
  if (job.op === 'syncDir') return syncDir(job.path);
  if (job.op === 'place') return place(job.tempPath, job.finalPath);
  if (job.op === 'releaseSpare') {
    if (spare) drop(spare);
    spare = undefined;
    return;
  }
  return write(job);
}
parentPort.on('message', (job) => {
  run(job).then(
    (result) => {
      parentPort.postMessage({ ok: true, result });
      if (job.op === 'write') tempDir = job.dir;
      const placed = job.op === 'place' || (job.op === 'write' && job.finalPath);
      if (!placed || spare || !tempDir) return;
      try { spare = newFile(tempDir, ${JSON.stringify(SPARE_FILE_SUFFIX)}); } catch {}
    },
    (err) => parentPort.postMessage({ ok: false, message: err.message, code: err.code }),
  );
});
`;

class WriterThread {
  private readonly worker: Worker;
  current: Pending | undefined;
  dead = false;

  constructor(private readonly onIdle: (t: WriterThread) => void) {
    this.worker = new Worker(THREAD_PROGRAM, { eval: true });
    this.worker.on('message', (m: { ok: boolean; result?: WrittenFile; message?: string; code?: string }) => {
      const p = this.current;
      this.current = undefined;
      this.worker.unref();
      if (p) {
        if (m.ok) p.resolve(m.result);
        else p.reject(Object.assign(new Error(m.message ?? 'durable write failed'), { code: m.code }));
      }
      this.onIdle(this);
    });
    const die = (err: Error): void => {
      this.dead = true;
      this.current?.reject(err);
      this.current = undefined;
      this.onIdle(this);
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`durable writer thread exited with ${code}`)));
    // Idle, a thread does not keep the process alive (after the listeners: adding one refs it).
    this.worker.unref();
  }

  get idle(): boolean {
    return !this.dead && this.current === undefined;
  }

  run(p: Pending): void {
    // Busy, it does: a write in flight is waited for, however little else the process has to do.
    this.worker.ref();
    this.current = p;
    if (p.job.op === 'write') {
      // Bytes on shared memory are read by the thread where they are; others are copied (an
      // ArrayBuffer slice is one memcpy) and the copy handed over rather than cloned again: the
      // caller's buffer may be a view into a larger one and stays usable either way.
      const { bytes, dir, finalPath } = p.job;
      if (bytes.buffer instanceof SharedArrayBuffer) {
        this.worker.postMessage({ op: 'write', dir, finalPath, bytes: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength });
      } else {
        const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        this.worker.postMessage({ op: 'write', dir, finalPath, bytes: copy, offset: 0, length: bytes.byteLength }, [copy]);
      }
    } else this.worker.postMessage(p.job);
  }
}

/**
 * A few threads that make files durable off the event loop. Several run at once so that the
 * fsyncs of objects arriving on parallel associations overlap (the file system joins them into
 * one journal commit). An idle thread does not keep the process alive; one with a job does.
 */
export class DurableWriter {
  private readonly threads: WriterThread[] = [];
  private readonly queue: Pending[] = [];

  constructor(private readonly size = 4) {}

  /**
   * Makes a new file in `dir` (a spare made ready by the thread, or a fresh one), writes the
   * bytes, hashes them and fsyncs the file. With `finalPath`, then renames it there (replacing a
   * file of that name) and fsyncs its directory. On a failure the temp file is gone. Bytes on a
   * SharedArrayBuffer are written from where they are (the caller must not change them until the
   * promise settles); others are copied once.
   */
  writeNewFile(dir: string, bytes: Uint8Array, finalPath?: string): Promise<WrittenFile> {
    return this.submit({ op: 'write', dir, bytes, finalPath }) as Promise<WrittenFile>;
  }

  /**
   * Moves a file written without a final path to `finalPath` (replacing a file of that name),
   * making the directories on the way and fsyncing the one it lands in.
   */
  async placeFile(tempPath: string, finalPath: string): Promise<void> {
    await this.submit({ op: 'place', tempPath, finalPath });
  }

  /** fsync of a directory, so that entries created or renamed in it survive power loss. */
  async syncDirectory(path: string): Promise<void> {
    await this.submit({ op: 'syncDir', path });
  }

  /** Each thread removes the empty spare file it holds (before a stop, so none is left behind). */
  async releaseSpares(): Promise<void> {
    await Promise.all(this.threads.filter((t) => !t.dead).map((t) => this.submit({ op: 'releaseSpare' }, t)));
  }

  private submit(job: Job, thread?: WriterThread): Promise<WrittenFile | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, thread, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i]!;
      const thread = p.thread ? this.ownThread(p.thread) : this.anyIdleThread();
      if (thread === undefined) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      if (thread === 'dead') p.resolve(undefined);
      else thread.run(p);
    }
  }

  private ownThread(t: WriterThread): WriterThread | 'dead' | undefined {
    if (t.dead) return 'dead';
    return t.idle ? t : undefined;
  }

  private anyIdleThread(): WriterThread | undefined {
    const idle = this.threads.find((t) => t.idle);
    if (idle) return idle;
    for (let i = this.threads.length - 1; i >= 0; i--) if (this.threads[i]!.dead) this.threads.splice(i, 1);
    if (this.threads.length >= this.size) return undefined;
    const fresh = new WriterThread(() => this.dispatch());
    this.threads.push(fresh);
    return fresh;
  }
}

let shared: DurableWriter | undefined;

/** The process's writer threads, started on first use. */
export function durableWriter(): DurableWriter {
  shared ??= new DurableWriter();
  return shared;
}
