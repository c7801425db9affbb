import { readFileSync } from 'node:fs';

/** Resident set figures of one process from /proc/<pid>/status, in bytes. */
export interface MemoryReading {
  /** Current resident set (VmRSS). */
  rss: number;
  /** Peak resident set since the process started (VmHWM). */
  hwm: number;
}

function kbField(status: string, name: string): number | undefined {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Reads VmRSS and VmHWM (Linux); undefined when the process is gone. */
export function readProcessMemory(pid: number): MemoryReading | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = kbField(status, 'VmRSS');
  const hwm = kbField(status, 'VmHWM');
  return rss === undefined || hwm === undefined ? undefined : { rss, hwm };
}

export interface MemorySample extends MemoryReading {
  /** Milliseconds since sampling started. */
  t: number;
  /** Progress figure supplied by the caller at that moment (e.g. instances stored). */
  progress: number;
}

/**
 * Samples a process's memory every `intervalMs` together with a progress figure, until stopped.
 * Synchronous /proc reads: each costs microseconds, so the sampler itself does not disturb the run.
 */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private timer?: NodeJS.Timeout;
  private started = 0;

  constructor(
    private readonly pid: number,
    private readonly progress: () => number,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.started = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Takes a last sample and stops. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  sample(): void {
    const m = readProcessMemory(this.pid);
    if (m) this.samples.push({ t: performance.now() - this.started, progress: this.progress(), ...m });
  }

  /** Largest VmHWM seen (the kernel's own peak, so spikes between samples are included). */
  peak(): number {
    return this.samples.reduce((max, s) => Math.max(max, s.hwm), 0);
  }

  /**
   * For each fraction, the first sample whose progress reached `fraction × total`: its current RSS
   * and the peak so far. Shows whether memory grows with the amount received.
   */
  atFractions(total: number, fractions: number[]): Array<{ fraction: number; progress: number; rss: number; hwm: number } | undefined> {
    return fractions.map((fraction) => {
      const s = this.samples.find((x) => x.progress >= Math.ceil(fraction * total));
      return s ? { fraction, progress: s.progress, rss: s.rss, hwm: s.hwm } : undefined;
    });
  }
}
