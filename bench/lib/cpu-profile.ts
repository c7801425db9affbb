import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../../test/helpers/dcmtk.js';
import { CALLING_AE, NODE_AE, startNodeProcess, writeBenchConfig } from './node-process.js';
import { copySubset, type PhantomSet } from './phantom-set.js';

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Main-thread time per received instance, by the component on top of the stack. */
export interface ReceiveProfile {
  instances: number;
  /** Milliseconds from the first to the last sample inside a C-STORE handler. */
  windowMs: number;
  /** Milliseconds per instance, by component: an npm package, a src/<area>, (idle), (gc), (other). */
  perInstanceMs: Record<string, number>;
}

/** Frames that only run while a C-STORE is received (the dcmjs-dimse path and the listener's own P-DATA path). */
const STORE_FRAME = /cStoreRequest|PdvCollector|answerStore|onStore/;

function component(url: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const src = /\/(src\/[^/]+)\//.exec(url);
  return src ? src[1] : undefined;
}

/**
 * Summarises the profile (of the node child's main thread) that covers a C-STORE transfer: every
 * sample between the first and the last one inside a C-STORE handler is charged to the innermost
 * frame that belongs to a package or a src/ folder (so a native call such as fsync or an SQLite
 * step counts for the code that made it). `(idle)` is the event loop waiting: for the socket, or
 * for file-system work on libuv's thread pool.
 */
export function summarizeReceiveProfile(profileDir: string, instances: number): ReceiveProfile {
  let best: { profile: CpuProfile; hits: number } | undefined;
  for (const f of readdirSync(profileDir).filter((x) => x.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(profileDir, f), 'utf8')) as CpuProfile;
    const hits = profile.nodes.filter((n) => STORE_FRAME.test(n.callFrame.functionName)).length;
    if (hits > (best?.hits ?? 0)) best = { profile, hits };
  }
  if (!best) throw new Error(`no profile with a C-STORE in ${profileDir}`);
  const p = best.profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inStore = (id: number): boolean => {
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) if (STORE_FRAME.test(byId.get(x)!.callFrame.functionName)) return true;
    return false;
  };
  const hits = p.samples.map((id, i) => (inStore(id) ? i : -1)).filter((i) => i >= 0);
  const first = hits[0];
  const last = hits[hits.length - 1];
  const totals: Record<string, number> = {};
  let windowUs = 0;
  for (let i = first + 1; i <= last; i++) {
    const leaf = byId.get(p.samples[i])!;
    let name = leaf.callFrame.functionName;
    let what: string | undefined = name === '(idle)' ? '(idle)' : name === '(garbage collector)' ? '(gc)' : undefined;
    for (let x: number | undefined = p.samples[i]; !what && x !== undefined; x = parent.get(x)) {
      name = byId.get(x)!.callFrame.url;
      what = component(name);
    }
    what ??= '(other: node internals)';
    totals[what] = (totals[what] ?? 0) + p.timeDeltas[i];
    windowUs += p.timeDeltas[i];
  }
  const perInstanceMs: Record<string, number> = {};
  for (const [k, v] of Object.entries(totals)) perInstanceMs[k] = v / 1000 / instances;
  return { instances, windowMs: windowUs / 1000, perInstanceMs };
}

/**
 * Sends the first `count` instances of the set to a fresh node child started with --cpu-prof and
 * summarises its main thread over the transfer (the profile is written when the child exits).
 */
export async function profileReceive(set: PhantomSet, workDir: string, count: number): Promise<ReceiveProfile> {
  const subset = join(workDir, 'profile-files');
  const sent = copySubset(set, subset, count);
  const configDir = join(workDir, 'profile-node');
  const profileDir = join(workDir, 'cpu-profiles');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(profileDir, { recursive: true });
  writeBenchConfig(configDir, join(configDir, 'data'), 'dcmjs-dimse');
  const node = await startNodeProcess(configDir, set.seriesUid, 'dcmjs-dimse', {}, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  try {
    const r = await runTool('storescu', ['-aet', CALLING_AE, '-aec', NODE_AE, '+sd', '127.0.0.1', String(node.port), subset], 300_000, { env: { ...process.env, TCP_NODELAY: '1' } });
    if (r.rc !== 0) throw new Error(`storescu failed while profiling: ${r.output.slice(-1000)}`);
    await node.stop();
    return summarizeReceiveProfile(profileDir, sent);
  } finally {
    await node.stop().catch(() => undefined);
    for (const d of [subset, configDir, profileDir]) rmSync(d, { recursive: true, force: true });
  }
}
