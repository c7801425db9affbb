import type { IngestRun, NodeRun } from './ingest-runs.js';
import type { ReceiveBreakdown } from './receive-breakdown.js';
import type { ReceiveProfile } from './cpu-profile.js';
import type { SyscallCensus } from './syscall-census.js';

export interface Environment {
  date: string;
  host: string;
  device: string;
  cpu: string;
  node: string;
  dcmtk: string;
  commit: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  mode: 'full' | 'quick';
}

export interface ThroughputCase {
  name: string;
  runs: IngestRun[];
  /** A reference receiver the node's cases are compared with (same number of associations). */
  reference?: 'storescp' | 'orthanc';
  /** storescu processes sending at once, one association each (default 1). */
  associations?: number;
  /** Why the case did not run (e.g. an optional dependency that does not load). */
  unavailable?: string;
  /** Extra facts shown under the table. */
  note?: string;
}

export interface MemoryCase {
  instances: number;
  bytes: number;
  run: NodeRun;
}

export interface IngestReport {
  env: Environment;
  instances: number;
  instanceBytes: number;
  setBytes: number;
  rows: number;
  reps: number;
  throughput: ThroughputCase[];
  memory?: MemoryCase;
  memoryGoalBytes: number;
  breakdown?: ReceiveBreakdown;
  census?: SyscallCensus;
  profile?: ReceiveProfile;
  totalSeconds: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const MB = 1e6;
const MiB = 2 ** 20;
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const mib = (x: number): string => `${(x / MiB).toFixed(0)} MiB`;

/** Median seconds, instances/s and MB/s of a case. */
export function summarize(c: ThroughputCase, instances: number, bytes: number): { seconds: number; ips: number; mbps: number } | undefined {
  if (c.runs.length === 0) return undefined;
  const seconds = median(c.runs.map((r) => r.seconds));
  return { seconds, ips: instances / seconds, mbps: bytes / MB / seconds };
}

export function renderMarkdown(r: IngestReport): string {
  const e = r.env;
  const out: string[] = [];
  out.push(`# Ingest benchmark — ${e.date}, ${e.host}${e.mode === 'quick' ? ' (quick)' : ''}`);
  out.push('');
  out.push(`- Device: ${e.device} (${e.cpu}); Node ${e.node}; DCMTK ${e.dcmtk}; commit ${e.commit}`);
  out.push(
    `- Load average (1/5/15 min) at start ${e.loadAverageStart.map(f2).join(' / ')}, at end ${e.loadAverageEnd.map(f2).join(' / ')} ` +
      `— the CPU was shared with other work during the run, so absolute figures are low and noisy; the ratio is measured in the same run, cases interleaved.`,
  );
  out.push(
    `- Instances: ${r.instances} CT phantom slices (src/dicom/phantom.ts), ${r.rows}×${r.rows}, 16-bit, Explicit VR LE, ` +
      `${r.instanceBytes.toLocaleString('en')} bytes each, ${f1(r.setBytes / MB)} MB in all; sent by \`storescu +sd\` (one association) or by several storescu at once, the files dealt out round-robin (one association each), over loopback.`,
  );
  out.push(`- Median of ${r.reps} runs. MB = 10⁶ bytes of Part-10 files. Wall time from starting storescu until every instance is held by the receiver.`);
  out.push('');
  out.push('## C-STORE throughput: our SCP vs DCMTK storescp and Orthanc');
  out.push('');
  out.push('| receiver | associations | median s | instances/s | MB/s | vs storescp TCP_NODELAY=1 | vs Orthanc | vs DCMTK defaults | runs (s) |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  const assocOf = (c: ThroughputCase): number => c.associations ?? 1;
  const refFor = (c: ThroughputCase, kind: 'storescp' | 'orthanc') => {
    const base = r.throughput.find((x) => x.reference === kind && assocOf(x) === assocOf(c));
    return base ? summarize(base, r.instances, r.setBytes) : undefined;
  };
  const refDefault = summarize(r.throughput[1], r.instances, r.setBytes);
  for (const c of r.throughput) {
    const s = summarize(c, r.instances, r.setBytes);
    if (!s) {
      out.push(`| ${c.name} | ${assocOf(c)} | — | — | — | — | — | — | not run: ${c.unavailable ?? 'no runs'} |`);
      continue;
    }
    const ratio = (base: ReturnType<typeof summarize>): string => (base ? f2(s.ips / base.ips) : '—');
    out.push(
      `| ${c.name} | ${assocOf(c)} | ${f2(s.seconds)} | ${f1(s.ips)} | ${f1(s.mbps)} | ${ratio(refFor(c, 'storescp'))} | ${ratio(refFor(c, 'orthanc'))} | ${ratio(refDefault)} | ${c.runs.map((x) => f2(x.seconds)).join(', ')} |`,
    );
  }
  out.push('');
  const scaling = (pick: (c: ThroughputCase) => boolean, label: string): void => {
    const cases = r.throughput.filter(pick);
    const one = cases.find((c) => assocOf(c) === 1);
    const many = cases.find((c) => assocOf(c) > 1);
    const a = one && summarize(one, r.instances, r.setBytes);
    const b = many && summarize(many, r.instances, r.setBytes);
    if (a && b) out.push(`- ${label}: ${assocOf(many!)} associations give ${f2(b.ips / a.ips)}× the throughput of one.`);
  };
  scaling((c) => c.name.includes('dcmjs-dimse'), 'node (dcmjs-dimse)');
  scaling((c) => c.reference === 'storescp', 'DCMTK storescp');
  scaling((c) => c.reference === 'orthanc', 'Orthanc');
  out.push('');
  out.push(
    'storescu sends with `TCP_NODELAY=1` (except to the Debian-defaults storescp), and Orthanc, whose DICOM server is DCMTK\'s, runs with it too. ' +
      'Reference: storescp with `TCP_NODELAY=1`. DCMTK as packaged by Debian leaves Nagle\'s algorithm on; storescp writes each ' +
      'C-STORE-RSP in two writes (12 + 138 bytes), the second waits for storescu\'s delayed ACK, and every instance stalls ~40 ms ' +
      '(seen with strace). Comparing against that would flatter us, so the goal (ours / DCMTK ≥ 1.0) is judged against the ' +
      '`TCP_NODELAY=1` column. storescp writes to the page cache without fsync. Orthanc (Debian, default storage settings) writes ' +
      'each object and commits it to its SQLite index before it answers. The node answers after the object is fsync\'ed, renamed ' +
      'into the spool, its directory fsync\'ed and its row committed (SQLite WAL, synchronous = NORMAL, the rows of objects in ' +
      'flight committed together; a start-up rescan registers spooled files whose rows a power cut took). `sync` runs before every timed transfer.',
  );
  for (const c of r.throughput) if (c.note) out.push(`- ${c.name}: ${c.note}`);
  out.push('');

  if (r.breakdown) {
    const b = r.breakdown;
    const ms = (s: number): string => f2((s / b.instances) * 1000);
    const ours = r.throughput.find((c) => c.name.includes('dcmjs-dimse'));
    // (the node's own receive path, as startNode runs it)
    const total = ours ? summarize(ours, r.instances, r.setBytes) : undefined;
    out.push('## Where the time goes (per instance, each stage alone in one process, no network; fsync-bound stages: fastest of 3 rounds)');
    out.push('');
    out.push('| stage | ms / instance |');
    out.push('|---|---:|');
    out.push(`| write + rename, no fsync (what storescp does) | ${ms(b.writeRenameNoSync)} |`);
    out.push(`| spool: temp write + fsync + rename + directory fsync + sha256 | ${ms(b.spoolDurable)} |`);
    out.push(`| — of which sha256 | ${ms(b.sha256)} |`);
    out.push(`| inspect (Part-10 header parse and checks) | ${ms(b.inspect)} |`);
    out.push(`| InstanceReceiver.ingest (spool + inspect + SQLite commit + routing) | ${ms(b.ingest)} |`);
    out.push(`| ≈ SQLite commit and the rest (ingest − spool − inspect) | ${ms(Math.max(0, b.ingest - b.spoolDurable - b.inspect))} |`);
    if (total) {
      out.push(`| node over DIMSE (dcmjs-dimse, median above) | ${f2((total.seconds / r.instances) * 1000)} |`);
      out.push(`| ≈ transport share (node over DIMSE − ingest) | ${f2(Math.max(0, total.seconds / r.instances - b.ingest / b.instances) * 1000)} |`);
    }
    out.push('');
  }

  if (r.census) {
    out.push(`## System calls per instance (node process, all threads, strace -f -c over ${r.census.instances} instances; not timed)`);
    out.push('');
    out.push('| syscall | per instance |');
    out.push('|---|---:|');
    for (const [k, v] of Object.entries(r.census.perInstance).sort((a, b) => b[1] - a[1])) out.push(`| ${k} | ${f2(v)} |`);
    out.push('');
  }

  if (r.profile) {
    const p = r.profile;
    const entries = Object.entries(p.perInstanceMs).sort((a, b) => b[1] - a[1]);
    const busy = entries.filter(([k]) => k !== '(idle)').reduce((sum, [, v]) => sum + v, 0);
    out.push(`## Node main thread per instance (V8 CPU profile of the node child, ${p.instances} instances over DIMSE)`);
    out.push('');
    out.push(
      `Transfer window ${f1(p.windowMs)} ms = ${f2(p.windowMs / p.instances)} ms per instance; main thread busy ${f2(busy)} ms, ` +
        `idle ${f2(p.perInstanceMs['(idle)'] ?? 0)} ms (waiting for the socket or for fs work on libuv's thread pool: write, fsync, rename). ` +
        'Native calls are charged to the package or src/ folder that made them (fsync in src/spool, the SQLite commit in better-sqlite3).',
    );
    out.push('');
    out.push('| component | ms / instance |');
    out.push('|---|---:|');
    for (const [k, v] of entries) out.push(`| ${k} | ${f2(v)} |`);
    out.push('');
  }

  out.push('## Peak memory of the node process while receiving a large study');
  out.push('');
  if (r.memory) {
    const m = r.memory;
    const run = m.run;
    out.push(
      `${m.instances} instances, ${f1(m.bytes / MB)} MB, one association, node (dcmjs-dimse) alone in its own process ` +
        `(\`node --import tsx bench/ingest-node-child.ts\`), /proc/<pid>/status sampled every 100 ms. ` +
        `Received in ${f1(run.seconds)} s (${f1(m.instances / run.seconds)} instances/s, ${f1(m.bytes / MB / run.seconds)} MB/s).`,
    );
    out.push('');
    out.push('| point | instances in spool | VmRSS | VmHWM (peak so far) |');
    out.push('|---|---:|---:|---:|');
    out.push(`| idle, before the transfer | 0 | ${mib(run.idleRss)} | — |`);
    for (const p of run.atFractions) {
      if (p) out.push(`| ${Math.round(p.fraction * 100)} % | ${p.progress} | ${mib(p.rss)} | ${mib(p.hwm)} |`);
    }
    const verdict = run.peakRss < r.memoryGoalBytes ? 'met' : 'NOT met';
    out.push(`| **peak (VmHWM)** | | | **${mib(run.peakRss)}** |`);
    out.push('');
    out.push(
      `Goal: peak under ${mib(r.memoryGoalBytes)} — ${verdict}. Growth from idle to peak: ${mib(run.peakRss - run.idleRss)}. ` +
        'The idle figure includes the tsx loader (≈ 35 MiB over plain node) and every module the node imports at start.',
    );
    if (run.heapAtEnd) {
      out.push(
        `The node's own process.memoryUsage() (every 500 ms): V8 heap used at most ${mib(run.maxHeapUsed)}, external (Buffers) at most ` +
          `${mib(run.maxExternal)}; after the last instance heap used ${mib(run.heapAtEnd.heapUsed)} of ${mib(run.heapAtEnd.heapTotal)}, ` +
          `external ${mib(run.heapAtEnd.external)}, RSS ${mib(run.heapAtEnd.rss)}.`,
      );
    }
  } else {
    out.push('Not measured in this run.');
  }
  out.push('');
  out.push(`Benchmark wall time: ${f1(r.totalSeconds)} s. Produced by \`npm run bench:ingest${e.mode === 'quick' ? ' -- --quick' : ''}\`.`);
  return `${out.join('\n')}\n`;
}
