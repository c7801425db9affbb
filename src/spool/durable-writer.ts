import { Worker } from 'node:worker_threads';

/** What a writer thread reports for one new file: its SHA-256, computed while the bytes were in hand. */
export interface WrittenFile {
  size: number;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
}

type Job =
  | { op: 'write'; path: string; bytes: Uint8Array; finalPath?: string }
  | { op: 'syncDir'; path: string };

interface Pending {
  job: Job;
  resolve: (v: WrittenFile | undefined) => void;
  reject: (err: Error) => void;
}

/**
 * The thread's whole program, plain JavaScript run with `eval` (it needs nothing but node:fs and
 * node:crypto, so no TypeScript loader has to reach the thread). One job at a time: a new file is
 * opened exclusively, written, hashed and fsync'ed, and, given a final path, renamed there with
 * its directory fsync'ed (new directories made durable too), all in one go: the event loop pays
 * one message round trip per object instead of a hop per system call, and neither the hash nor
 * the waits for the disk run on it.
 */
const THREAD_PROGRAM = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { createHash } = require('node:crypto');
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
parentPort.on('message', (job) => {
  try {
    if (job.op === 'syncDir') {
      syncDir(job.path);
      parentPort.postMessage({ ok: true });
      return;
    }
    const bytes = new Uint8Array(job.bytes, job.offset, job.length);
    const fd = fs.openSync(job.path, 'wx', 0o640);
    let sha256;
    try {
      let offset = 0;
      while (offset < bytes.byteLength) offset += fs.writeSync(fd, bytes, offset, bytes.byteLength - offset);
      sha256 = createHash('sha256').update(bytes).digest('hex');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (job.finalPath) {
      const dir = path.dirname(job.finalPath);
      mkdirDurably(dir);
      fs.renameSync(job.path, job.finalPath);
      syncDir(dir);
    }
    parentPort.postMessage({ ok: true, size: bytes.byteLength, sha256 });
  } catch (err) {
    parentPort.postMessage({ ok: false, message: err.message, code: err.code });
  }
});
`;

class WriterThread {
  private readonly worker: Worker;
  current: Pending | undefined;
  dead = false;

  constructor(private readonly onIdle: (t: WriterThread) => void) {
    this.worker = new Worker(THREAD_PROGRAM, { eval: true });
    this.worker.on('message', (m: { ok: boolean; size?: number; sha256?: string; message?: string; code?: string }) => {
      const p = this.current;
      this.current = undefined;
      this.worker.unref();
      if (p) {
        if (m.ok) p.resolve(m.sha256 === undefined ? undefined : { size: m.size!, sha256: m.sha256 });
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

  run(p: Pending): void {
    // Busy, it does: a write in flight is waited for, however little else the process has to do.
    this.worker.ref();
    this.current = p;
    if (p.job.op === 'write') {
      // Bytes on shared memory are read by the thread where they are; others are copied (an
      // ArrayBuffer slice is one memcpy) and the copy handed over rather than cloned again: the
      // caller's buffer may be a view into a larger one and stays usable either way.
      const { bytes, path, finalPath } = p.job;
      if (bytes.buffer instanceof SharedArrayBuffer) {
        this.worker.postMessage({ op: 'write', path, finalPath, bytes: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength });
      } else {
        const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        this.worker.postMessage({ op: 'write', path, finalPath, bytes: copy, offset: 0, length: bytes.byteLength }, [copy]);
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
   * Creates `path` (it must not exist), writes the bytes, hashes them and fsyncs the file. With
   * `finalPath`, then renames it there (replacing a file of that name) and fsyncs its directory.
   * Bytes on a SharedArrayBuffer are written from where they are (the caller must not change them
   * until the promise settles); others are copied once.
   */
  writeNewFile(path: string, bytes: Uint8Array, finalPath?: string): Promise<WrittenFile> {
    return this.submit({ op: 'write', path, bytes, finalPath }) as Promise<WrittenFile>;
  }

  /** fsync of a directory, so that entries created or renamed in it survive power loss. */
  async syncDirectory(path: string): Promise<void> {
    await this.submit({ op: 'syncDir', path });
  }

  private submit(job: Job): Promise<WrittenFile | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let idle = this.threads.find((t) => !t.dead && t.current === undefined);
      if (!idle) {
        for (let i = this.threads.length - 1; i >= 0; i--) if (this.threads[i]!.dead) this.threads.splice(i, 1);
        if (this.threads.length >= this.size) return;
        idle = new WriterThread(() => this.dispatch());
        this.threads.push(idle);
      }
      idle.run(this.queue.shift()!);
    }
  }
}

let shared: DurableWriter | undefined;

/** The process's writer threads, started on first use. */
export function durableWriter(): DurableWriter {
  shared ??= new DurableWriter();
  return shared;
}
