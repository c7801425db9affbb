/** Writes test/reliability/results/figures.md from figures.json (the last long reliability run). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '../../test/reliability/results');
const f = JSON.parse(readFileSync(join(dir, 'figures.json'), 'utf8')) as Record<string, Record<string, unknown>>;
const t = f.crashTorture ?? {};
const h = f.hostileInput ?? {};
const l = f.load ?? {};
const rows: Array<[string, unknown]> = [
  ['Studies sent under SIGKILL torture', t.studies],
  ['Kills (SIGKILL at random points) and restarts', t.kills],
  ['Instances acknowledged', t.instancesAcknowledged],
  ['Acknowledged instances lost', t.instancesLost],
  ['Derived instances delivered (distinct SOP Instance UIDs)', t.derivedInstancesDelivered],
  ['Objects delivered twice (in flight at a kill; byte-identical)', t.duplicateDeliveries],
  ['Superseded partial outputs (series completed before its re-send)', t.supersededPartialOutputs],
  ['Malformed inputs tried: pydicom files + mutants through the receive path, + mutants as raw C-STOREs', `${h.filesTried} + ${h.mutantsTried}, + ${h.overTheWire}`],
  ['Crashes / hangs on malformed input', `${h.crashes} / ${h.hangs}`],
  ['Slowest single malformed object (ms)', h.slowestMs],
  ['Concurrent associations held', l.concurrentAssociationsHeld],
  ['Soak: seconds, instances, instances/s', `${l.soakSeconds}, ${l.soakInstancesSent}, ${l.soakInstancesPerSecond}`],
  ['Soak RSS middle → last third (MiB), peak', `${l.rssMiddleMb} → ${l.rssLastMb}, ${l.peakRssMb}`],
  ['Open file descriptors middle → after', `${l.fdsMiddle} → ${l.fdsAfter}`],
  ['Node peak RSS under torture (MiB)', t.peakRssMb],
];
const md = `# Reliability figures (last long run: ${String(t.at ?? l.at ?? '')})\n\n| measure | value |\n|---|---|\n${rows
  .map(([k, v]) => `| ${k} | ${v ?? '—'} |`)
  .join('\n')}\n\nProduced by \`scripts/reliability/long.sh\` (RELIABILITY_LONG=1); raw numbers in figures.json.\n`;
writeFileSync(join(dir, 'figures.md'), md);
process.stdout.write(md);
