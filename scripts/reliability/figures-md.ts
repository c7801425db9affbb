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
  ['Torture destination', t.destination ?? 'DCMTK storescp'],
  ['Derived instances delivered (distinct SOP Instance UIDs)', t.derivedInstancesDelivered],
  ['Objects stored twice at the destination', t.duplicateDeliveries],
  [
    'C-STOREs the destination received: all, rolled back (response could not reach the killed node), broken off mid-transfer',
    t.storeRequestsReceived === undefined ? undefined : `${t.storeRequestsReceived}, ${t.storeRequestsRolledBack}, ${t.storeRequestsIncomplete}`,
  ],
  ['Objects in doubt after a kill found at the destination by C-FIND (not sent again)', t.inDoubtFoundAtDestination],
  ['Superseded partial outputs (series completed before its re-send)', t.supersededPartialOutputs],
  ['Torture run time (s)', t.runSeconds],
  ['Malformed inputs tried: pydicom files + mutants through the receive path, + mutants as raw C-STOREs', `${h.filesTried} + ${h.mutantsTried}, + ${h.overTheWire}`],
  ['Crashes / hangs on malformed input', `${h.crashes} / ${h.hangs}`],
  ['Slowest single malformed object (ms)', h.slowestMs],
  ['Concurrent associations held', l.concurrentAssociationsHeld],
  ['Soak: seconds, instances, instances/s', `${l.soakSeconds}, ${l.soakInstancesSent}, ${l.soakInstancesPerSecond}`],
  ['Soak RSS middle → last third (MiB), peak', `${l.rssMiddleMb} → ${l.rssLastMb}, ${l.peakRssMb}`],
  ['Open file descriptors middle → after', `${l.fdsMiddle} → ${l.fdsAfter}`],
  ['Node peak RSS under torture (MiB)', t.peakRssMb],
];
const at = (x: Record<string, unknown>): string => String(x.at ?? '—');
const md = `# Reliability figures (last long runs: crash torture ${at(t)}, hostile input ${at(h)}, load ${at(l)})\n\n| measure | value |\n|---|---|\n${rows
  .map(([k, v]) => `| ${k} | ${v ?? '—'} |`)
  .join('\n')}\n\nProduced by \`scripts/reliability/long.sh\` (RELIABILITY_LONG=1; the crash torture alone: \`scripts/reliability/torture-long.sh\`); raw numbers in figures.json.\n`;
writeFileSync(join(dir, 'figures.md'), md);
process.stdout.write(md);
