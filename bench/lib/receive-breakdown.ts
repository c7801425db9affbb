import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNode } from '../../src/app/node.js';
import { inspectInstance } from '../../src/receive/instance-inspection.js';
import { silentLogger } from '../../src/shared/log.js';
import { Spool } from '../../src/spool/spool.js';
import { CALLING_AE, NODE_AE, writeBenchConfig } from './node-process.js';
import { createNodeReceiver } from './node-receiver.js';
import { flushPageCache } from './ingest-runs.js';
import type { PhantomSet } from './phantom-set.js';

/** Seconds per stage for the whole set, each stage run alone in this process (no network). */
export interface ReceiveBreakdown {
  instances: number;
  /** Plain write + rename per instance, no fsync: what storescp does (page cache only). */
  writeRenameNoSync: number;
  /** Spool.writeDurably + Spool.commit: temp write, fsync, rename, directory fsync (+ sha256); fastest of 3 rounds. */
  spoolDurable: number;
  /** sha256 of the bytes alone (part of spoolDurable). */
  sha256: number;
  /** inspectInstance: Part-10 header parse up to Pixel Data and the checks. */
  inspect: number;
  /** InstanceReceiver.ingest wired as in startNode: the full receive path minus the network; fastest of 3 rounds. */
  ingest: number;
}

async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function timeSpoolOnly(set: PhantomSet, blobs: Buffer[], root: string): Promise<number> {
  const spool = new Spool(root);
  await spool.init();
  try {
    return await timed(async () => {
      for (let i = 0; i < blobs.length; i++) {
        const temp = await spool.writeDurably(blobs[i]);
        await spool.commit(temp.tempPath, spool.instanceRelPath(set.studyUid, set.seriesUid, `i${i}`));
      }
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A fresh node (so nothing is a re-send) and its receiver's ingest() over every blob. */
async function timeIngest(blobs: Buffer[], configDir: string): Promise<number> {
  await mkdir(configDir, { recursive: true });
  writeBenchConfig(configDir, join(configDir, 'data'), 'dcmjs-dimse');
  const node = await startNode({ configDir, log: silentLogger });
  try {
    const receiver = createNodeReceiver(node, silentLogger);
    return await timed(async () => {
      for (const b of blobs) {
        const r = await receiver.ingest({ bytes: b, callingAe: CALLING_AE, calledAe: NODE_AE });
        if (r.outcome !== 'stored') throw new Error(`ingest answered ${r.outcome} (0x${r.status.toString(16)})`);
      }
    });
  } finally {
    await node.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}

/**
 * Takes the receive path apart on the same instances: the DIMSE transport's share is the node's
 * end-to-end time minus `ingest`; the SQLite commit's share is roughly `ingest − spoolDurable −
 * inspect`.
 */
export async function measureReceiveBreakdown(set: PhantomSet, workDir: string): Promise<ReceiveBreakdown> {
  const files = readdirSync(set.dir).filter((f) => f.endsWith('.dcm')).sort();
  const blobs = files.map((f) => readFileSync(join(set.dir, f)));
  const n = blobs.length;

  const plainDir = join(workDir, 'plain');
  await mkdir(join(plainDir, 'final'), { recursive: true });
  const writeRenameNoSync = await timed(async () => {
    for (let i = 0; i < n; i++) {
      const tmp = join(plainDir, `${i}.part`);
      await writeFile(tmp, blobs[i]);
      await rename(tmp, join(plainDir, 'final', `${i}.dcm`));
    }
  });
  rmSync(plainDir, { recursive: true, force: true });

  const sha256 = await timed(() => {
    for (const b of blobs) createHash('sha256').update(b).digest('hex');
  });
  const inspect = await timed(() => {
    for (const b of blobs) if (!inspectInstance(b).ok) throw new Error('phantom instance failed inspection');
  });

  // The two fsync-bound stages alternate, three times, and keep their fastest round: on a shared
  // machine the disk's fsync latency and the CPU share move with everyone else's work.
  let spoolDurable = Infinity;
  let ingest = Infinity;
  for (let round = 0; round < 3; round++) {
    flushPageCache();
    spoolDurable = Math.min(spoolDurable, await timeSpoolOnly(set, blobs, join(workDir, `spool-only-${round}`)));
    flushPageCache();
    ingest = Math.min(ingest, await timeIngest(blobs, join(workDir, `ingest-node-${round}`)));
  }
  return { instances: n, writeRenameNoSync, spoolDurable, sha256, inspect, ingest };
}
